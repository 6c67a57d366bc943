-- wrk script: a conference's mixed load. Per request, at random: 20% a new registration,
-- 20% the organisers' attendee list, 30% a full feed poll, 30% a feed poll with If-None-Match.
-- args: token etag prefix
local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token = args[1]
  etag = args[2]
  prefix = args[3] or "mixed"
  math.randomseed(os.time() + thread_id)
end

request = function()
  local r = math.random(100)
  if r <= 20 then
    counter = counter + 1
    local body = string.format(
      '{"name":"Mixed %d","email":"%s-%d-%d@bench.example","organisation":"Mixed AG","sector":"business","language":"en","consent":true}',
      counter, prefix, thread_id, counter)
    return wrk.format("POST", "/api/v1/events/bench/registrations", {["Content-Type"] = "application/json"}, body)
  elseif r <= 40 then
    return wrk.format("GET", "/api/v1/events/bench/registrations?limit=50", {["Authorization"] = "Bearer " .. token})
  elseif r <= 70 then
    return wrk.format("GET", "/api/v1/events/bench/calendar.ics")
  else
    return wrk.format("GET", "/api/v1/events/bench/calendar.ics", {["If-None-Match"] = etag})
  end
end

local errors = 0
response = function(status, headers, body)
  if status >= 400 then
    errors = errors + 1
    if errors <= 3 then io.stderr:write("unexpected " .. status .. ": " .. body .. "\n") end
  end
end
