-- wrk script: GET with optional bearer token and If-None-Match (args: path token etag).
function init(args)
  path = args[1]
  token = args[2]
  etag = args[3]
end

request = function()
  local headers = {}
  if token and token ~= "" and token ~= "-" then headers["Authorization"] = "Bearer " .. token end
  if etag and etag ~= "" then headers["If-None-Match"] = etag end
  return wrk.format("GET", path, headers)
end
