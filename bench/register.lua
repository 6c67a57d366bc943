-- wrk script: each request registers a new attendee (unique e-mail per thread and request).
-- `thread_id` is a global set per thread by setup(); a local here would shadow it.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  path = args[1]
  prefix = args[2] or "bench"
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"name":"Bench Attendee %d","email":"%s-%d-%d@bench.example","organisation":"Bench GmbH","sector":"science","language":"de","consent":true}',
    counter, prefix, thread_id, counter)
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end

local errors = 0
response = function(status, headers, body)
  if status ~= 201 then
    errors = errors + 1
    if errors <= 3 then io.stderr:write("unexpected " .. status .. ": " .. body .. "\n") end
  end
end
