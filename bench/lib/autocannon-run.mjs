// autocannon with bench/run.mjs's request mix: `template`'s `{id}` replaced
// by p1..p<ids> at random. Resolves with the same fields as the wrk driver.
import autocannon from "autocannon";

export async function runAutocannon({
  origin,
  template,
  ids = 1,
  headers = {},
  connections,
  durationS,
  rate,
}) {
  const result = await autocannon({
    url: origin,
    connections,
    duration: durationS,
    timeout: 5,
    headers,
    ...(rate === undefined ? {} : { overallRate: rate }),
    requests: [
      {
        method: "GET",
        setupRequest(request) {
          request.path = template.replace("{id}", `p${1 + Math.floor(Math.random() * ids)}`);
          return request;
        },
      },
    ],
  });
  const requests = result["2xx"] + result.non2xx;
  return {
    requests,
    rps: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    bytesPerAnswer: requests > 0 ? result.throughput.total / requests : undefined,
  };
}
