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
-- The template is cut at each "__MID__" once, and each request joins its pieces with fresh
-- ids: a gsub over a 70 KB batch cost wrk ~0.5 ms per request, a third of what the server
-- spent on it, on a machine wrk shares with the server.
local pieces = {}
local from = 1
while true do
  local s, e = template:find("__MID__", from, true)
  if not s then break end
  pieces[#pieces + 1] = template:sub(from, s - 1)
  from = e + 1
end
local tail = template:sub(from)
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Basic " .. os.getenv("AUTH"),
}
local counter = 0
local parts = {}
function request()
  local n = 0
  for i = 1, #pieces do
    local id
    if counter > 0 and repeat_percent > 0 and math.random(100) <= repeat_percent then
      id = counter - math.random(0, math.min(counter - 1, 999))
    else
      counter = counter + 1
      id = counter
    end
    parts[n + 1] = pieces[i]
    parts[n + 2] = run
    parts[n + 3] = "-"
    parts[n + 4] = tid
    parts[n + 5] = "-"
    parts[n + 6] = id
    n = n + 6
  end
  parts[n + 1] = tail -- every request fills the same slots, so none is left over
  return wrk.format("POST", nil, headers, table.concat(parts))
end
