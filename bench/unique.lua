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

-- REPEAT_PERCENT (default 0): that share of events reuses one of this thread's last 1,000
-- messageIds instead, as an SDK's retry of a batch whose answer was lost does.
local repeat_percent = tonumber(os.getenv("REPEAT_PERCENT") or "0")
local counter = 0
function request()
  local body = template:gsub("__MID__", function()
    if counter > 0 and math.random(100) <= repeat_percent then
      return run .. "-" .. tid .. "-" .. (counter - math.random(0, math.min(counter - 1, 999)))
    end
    counter = counter + 1
    return run .. "-" .. tid .. "-" .. counter
  end)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Basic " .. os.getenv("AUTH"),
  }, body)
end
