-- wrk script: POST one ingest batch (one purchase event) per request, as the live pixel does.
-- Reports a JSON line with the counts and latency percentiles (microseconds) when done.
wrk.method = "POST"
wrk.headers["Host"] = "pixels.spotify.com"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Spdt-Session"] = "bench"
wrk.headers["Origin"] = "https://shop.test"
wrk.body = '{"batch":[{"pid":"0123456789abcdef0123456789abcdef","events":[{"action":"purchase",'
  .. '"uid":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","click_id":"bench",'
  .. '"body":{"url":"https://shop.test/thanks","value":79.99,"currency":"USD",'
  .. '"order_id":"SP-ORD-1","event_id":"evt-1","quantity":1}}]}]}'

done = function(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"non2xx":%d,"connect_errors":%d,'
      .. '"read_errors":%d,"write_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, non2xx, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end

-- Fixed request rate: WRK_DELAY_MS per connection between requests (set by benchmarks/bench.py).
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "")
if pause then
  delay = function() return pause end
end
