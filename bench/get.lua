-- wrk script: GET with optional bearer token and If-None-Match (args: path token etag).
--
-- The request is built once, in init, and wrk sends the same bytes every time (there is no
-- `request` function), as it sends the limits' requests (no script): no Lua runs per request
-- on either side. A `request` function here cost wrk 4-6 % of the limit's rate on this machine
-- (bench/README.md, session 11), taken from the server it shares the two cores with.
function init(args)
  wrk.path = args[1] or wrk.path
  local token, etag = args[2], args[3]
  if token and token ~= "" and token ~= "-" then wrk.headers["Authorization"] = "Bearer " .. token end
  if etag and etag ~= "" then wrk.headers["If-None-Match"] = etag end
end
