-- wrk script: the event page's registration form as a browser posts it
-- (application/x-www-form-urlencoded), a new attendee each time (unique e-mail per thread and
-- request). Args: path prefix [key]. With key = "key" (the default) each request carries a
-- fresh hidden `form_key`, as each page a browser loads does (the form is then committed with
-- its idempotency key, one registration per transaction); with "none" it carries none (the
-- registration desk's batches, as the API without an Idempotency-Key).
-- `thread_id` is a global set per thread by setup(); a local here would shadow it.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  path = args[1]
  prefix = args[2] or "form"
  with_key = (args[3] or "key") ~= "none"
end

request = function()
  counter = counter + 1
  local body = string.format(
    "name=Form+Attendee+%d&email=%s-%d-%d%%40bench.example&organisation=Bench+GmbH&sector=science&language=de&consent=on",
    counter, prefix, thread_id, counter)
  if with_key then
    -- 43 characters of URL-safe base64, as the page's keys; unique per thread and request.
    body = body .. string.format("&form_key=%s%02d%012d%s", prefix, thread_id, counter,
      string.rep("k", 43 - #prefix - 14))
  end
  return wrk.format("POST", path,
    {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

local errors = 0
response = function(status, headers, body)
  if status ~= 303 then
    errors = errors + 1
    if errors <= 3 then io.stderr:write("unexpected " .. status .. ": " .. body:sub(1, 300) .. "\n") end
  end
end
