-- wrk script: POST $BODY_FILE to the path given on the command line with Basic auth $AUTH,
-- replacing every "__MID__" in it by a messageId unique to this run, wrk thread and request
-- (SDKs send a fresh messageId per event; without one the server generates it and skips
-- its repeat check).
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
local template = f:read("*a")
f:close()
local run = os.getenv("RUN_ID") or tostring(os.time())
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter = 0
function request()
  local n = 0
  local body = template:gsub("__MID__", function()
    counter = counter + 1
    return run .. "-" .. tid .. "-" .. counter
  end)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Basic " .. os.getenv("AUTH"),
  }, body)
end
