-- wrk script for bench/run.mjs: spreads requests over many product ids and
-- prints the summary as one JSON line.
--   wrk ... -s wrk-report.lua <url> -- <path template with {id}> <id count>
local requests = {}

init = function(args)
  local template, count = args[1], tonumber(args[2] or "1")
  for i = 1, count do
    requests[i] = wrk.format(nil, (template:gsub("{id}", "p" .. i)))
  end
end

request = function()
  return requests[math.random(#requests)]
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"bytes":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.bytes, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
