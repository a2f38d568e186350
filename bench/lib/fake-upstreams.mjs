// Fake upstream services for the benchmark: one plain node:http server per
// service and per set, answering the contract's internal paths with fixed
// JSON after an optional per-service delay. Run as a child process:
//
//   node fake-upstreams.mjs '{"fast":{},"delayed":{"catalog":5,"pricing":10}}'
//
// prints one line `READY {"fast":{"catalog":"http://127.0.0.1:…",…},…}` and
// serves until SIGTERM.
import http from "node:http";
import { SERVICE_NAMES } from "@portico/core";
import { answer } from "./fixtures.mjs";

const NOT_FOUND = Buffer.from('{"error":"not found"}');

/** Serves `service` with `delayMs` before each answer; resolves with its base URL. */
async function serve(service, delayMs) {
  // Answers are fixed: build each distinct URL's body once.
  const bodies = new Map();
  const bodyOf = (url) => {
    let body = bodies.get(url);
    if (body === undefined) {
      const value = answer(service, url);
      body = value === undefined ? null : Buffer.from(JSON.stringify(value));
      if (bodies.size < 10_000) bodies.set(url, body);
    }
    return body;
  };
  const reply = (req, res) => {
    const body = bodyOf(req.url ?? "/");
    if (body === null) {
      res.writeHead(404, { "content-type": "application/json", "content-length": NOT_FOUND.length });
      res.end(NOT_FOUND);
      return;
    }
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": body.length,
      "cache-control": "max-age=30",
    });
    res.end(body);
  };
  const server = http.createServer(
    delayMs > 0
      ? (req, res) => {
          setTimeout(reply, delayMs, req, res);
        }
      : reply,
  );
  // Longer than any pause between scenarios: a pooled socket must never be
  // closed by the fake just as the gateway reuses it (that would be our error, not its).
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${server.address().port}`;
}

const sets = JSON.parse(process.argv[2] ?? '{"fast":{}}');
const urls = {};
for (const [name, delays] of Object.entries(sets)) {
  urls[name] = {};
  for (const service of SERVICE_NAMES) urls[name][service] = await serve(service, delays[service] ?? 0);
}
process.stdout.write(`READY ${JSON.stringify(urls)}\n`);
process.on("SIGTERM", () => process.exit(0));
