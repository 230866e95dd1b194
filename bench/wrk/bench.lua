-- One wrk script for every benchmarked endpoint, configured by the environment (bench/run sets
-- it): BENCH_MODE is `fixed` (one request, repeated), `stuff` (GET /stuff/{sid} with a random
-- sid in 1..BENCH_ROWS) or `write` (POST /stuff with a new name, then DELETE of the sid it got);
-- BENCH_PATH is the path of `fixed`; BENCH_AUTH an Authorization header value, if any.
-- `done` prints one line, `BENCH {json}`, that bench/run reads.
--
-- Only the modes that need them define `request` and `response`: wrk sends a prebuilt request
-- and skips response parsing when they are absent, which keeps the load generator cheap.

local mode = os.getenv("BENCH_MODE") or "fixed"
local auth = os.getenv("BENCH_AUTH")
local headers = {}
if auth and auth ~= "" then
   headers["Authorization"] = auth
end

-- Redirects seen by `response`: wrk counts statuses >= 400 as errors, the benchmark any
-- status >= 300.
bad = 0

if mode == "fixed" then
   wrk.method = "GET"
   wrk.path = os.getenv("BENCH_PATH") or "/"
   wrk.headers = headers
elseif mode == "stuff" then
   -- A ring of prebuilt requests for random sids: as random as drawing each time, without
   -- formatting a request per request.
   local rows = tonumber(os.getenv("BENCH_ROWS") or "1000")
   local ring, size, at = {}, 8191, 0
   function init(args)
      math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
      for i = 1, size do
         ring[i] = wrk.format("GET", "/stuff/" .. math.random(1, rows), headers)
      end
   end
   function request()
      at = at % size + 1
      return ring[at]
   end
elseif mode == "write" then
   local pending, counter, prefix = {}, 0, ""
   local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }
   function init(args)
      math.randomseed(os.time())
      prefix = string.format("w%x%06x-", os.time(), math.random(0, 0xffffff))
   end
   function request()
      local n = #pending
      if n > 0 then
         local sid = pending[n]
         pending[n] = nil
         return wrk.format("DELETE", "/stuff/" .. sid)
      end
      counter = counter + 1
      return wrk.format("POST", "/stuff", form, "stuff=" .. prefix .. counter)
   end
   function response(status, hdrs, body)
      if status >= 300 and status < 400 then
         bad = bad + 1
      elseif status == 201 then
         local sid = body:match('"sid"%s*:%s*(%d+)')
         if sid then
            pending[#pending + 1] = sid
         end
      end
   end
else
   error("unknown BENCH_MODE " .. mode)
end

local threads = {}

function setup(thread)
   threads[#threads + 1] = thread
end

function done(summary, latency, requests)
   local extra = 0
   for _, thread in ipairs(threads) do
      extra = extra + (thread:get("bad") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,"status_3xx":%d}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      latency.max, e.connect, e.read, e.write, e.timeout, e.status, extra))
end
