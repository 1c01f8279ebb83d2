-- wrk script of bench/bench_http.py. BENCH_MODE: "bare" posts the same body to the bare view; "events"
-- (and "warm") post one attendance event per request, each with a key of its own, people in turn.
local mode = os.getenv("BENCH_MODE") or "bare"
local token = os.getenv("BENCH_TOKEN")
local people = tonumber(os.getenv("BENCH_PEOPLE") or "10000")
local prefix = mode == "events" and "http" or "warm"
local threads = {}
local next_id = 0
counter = 0
accepted = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if token and mode ~= "bare" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function request()
  if mode == "bare" then
    return wrk.format(nil, nil, nil, '{"events": []}')
  end
  counter = counter + 1
  local person = (tid * 7919 + counter) % people
  local body = string.format(
    '{"events": [{"key": "%s-%d-%d", "type": "attendance.present", "person": "H%06d", ' ..
    '"occurred_at": "2026-11-20T09:00:00+08:00", "data": {}}]}', prefix, tid, counter, person)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 200 and body:find('"status":%s*"posted"') then
    accepted = accepted + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("accepted") or 0)
  end
  io.write(string.format("accepted %d\n", total))
end
