// One measured process of `bench/layers.mjs`, pinned to the server core and
// told what to do over the IPC channel. Its mode is argv[2], its settings
// argv[3] (JSON):
//
//   undici     raw undici `Pool.request` + JSON.parse against `upstream`
//   transport  `HttpTransport.get` from @portico/core against `upstream`
//   client     `ServiceClient.get` of the catalog client of a gateway built by
//              `createGateway(loadGatewayConfig(env))`, every *_URL at `upstream`
//   edge       mobile-bff (`createApp` from @portico/mobile-bff) served by core's
//              `runBff`, as apps/mobile-bff/dist/main.js serves it
//   raw        a plain node:http server answering a constant, like /healthz's
//
// Callers ("undici", "transport", "client") answer `{ cmd: "run", calls,
// inFlight }` by making `calls` GETs of /products/p1..p1000 with `inFlight`
// in flight, and report their own CPU time for them (process.cpuUsage); the
// fake upstream lives in the parent, on the other core, so none of its work
// is counted. Servers ("edge", "raw") report their CPU time on `{ cmd: "cpu" }`,
// read before and after the parent's load: only the server's work is counted.
import { setMaxListeners } from "node:events";
import http from "node:http";
import {
  createGateway,
  createRequestContext,
  encodePath,
  envPrefix,
  HttpTransport,
  loadGatewayConfig,
  productSchema,
  runBff,
  SERVICE_NAMES,
} from "@portico/core";
import { createApp, DEFAULT_PORT } from "@portico/mobile-bff";
import { Pool } from "undici";

const mode = process.argv[2];
const settings = JSON.parse(process.argv[3] ?? "{}");
const IDS = Array.from({ length: 1000 }, (_, i) => `p${i + 1}`);
const REQUEST_ID = "bench-layers-0000000000000000000";
const send = (message) => process.send?.(message);
const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** Every upstream service of a gateway pointed at the one fake (only catalog is called). */
function gatewayEnv() {
  const env = { NODE_ENV: "production", LOG_LEVEL: "warn", HOST: "127.0.0.1", PORT: "0" };
  for (const service of SERVICE_NAMES) env[`${envPrefix(service)}_URL`] = settings.upstream;
  return env;
}

/** The call each caller mode makes for one product id; resolves once the JSON is parsed. */
async function callerOf() {
  if (mode === "undici") {
    const pool = new Pool(settings.upstream, { connections: 256 });
    return async (id) => {
      const { statusCode, body } = await pool.request({
        method: "GET",
        path: `/products/${id}`,
        headers: { "x-request-id": REQUEST_ID },
      });
      const text = await body.text();
      if (statusCode !== 200) throw new Error(`status ${statusCode}`);
      return JSON.parse(text);
    };
  }
  if (mode === "transport") {
    const transport = new HttpTransport({ maxSockets: 256 });
    // One signal for every call (the transport's cost, not a controller's per call).
    const signal = new AbortController().signal;
    setMaxListeners(0, signal);
    return async (id) => {
      const { status, body } = await transport.get({
        service: "catalog",
        baseUrl: settings.upstream,
        path: `/products/${id}`,
        headers: { "x-request-id": REQUEST_ID },
        signal,
      });
      if (status !== 200) throw new Error(`status ${status}`);
      return body;
    };
  }
  if (mode === "client") {
    const config = loadGatewayConfig(gatewayEnv(), { defaultPort: 0 });
    const gateway = createGateway(config);
    await gateway.ready();
    const catalog = gateway.clients.catalog;
    // A context per call, as a pass-through request makes one per call.
    return (id) =>
      catalog.get(
        createRequestContext({ deadlineMs: config.requestDeadlineMs }),
        encodePath`/products/${id}`,
        productSchema,
      );
  }
  throw new Error(`unknown caller mode ${mode}`);
}

/** `calls` calls with `inFlight` in flight; the CPU time this process spent on them. */
async function run(call, calls, inFlight) {
  let next = 0;
  let errors = 0;
  let firstError;
  const worker = async () => {
    while (next < calls) {
      const id = IDS[next++ % IDS.length];
      try {
        await call(id);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  const started = performance.now();
  const cpuBefore = cpuNow();
  await Promise.all(Array.from({ length: Math.min(inFlight, calls) }, worker));
  return { cpuUs: cpuNow() - cpuBefore, wallMs: performance.now() - started, errors, firstError };
}

async function startServer() {
  if (mode === "raw") {
    const body = Buffer.from('{"status":"ok"}');
    const server = http.createServer((_req, res) => {
      res.writeHead(200, {
        "content-type": "application/json; charset=utf-8",
        "content-length": body.length,
      });
      res.end(body);
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${server.address().port}`;
  }
  if (mode === "edge") {
    // What apps/mobile-bff/src/main.ts does, with every upstream at the fake.
    const server = await runBff({
      name: "mobile-bff",
      defaultPort: DEFAULT_PORT,
      createApp,
      env: { ...process.env, ...gatewayEnv() },
    });
    return `http://127.0.0.1:${server.address().port}`;
  }
  return undefined;
}

const url = await startServer();
const call = url === undefined ? await callerOf() : undefined;
process.on("message", async (message) => {
  if (message.cmd === "cpu") send({ cmd: "cpu", cpuUs: cpuNow() });
  else if (message.cmd === "run")
    send({ cmd: "done", ...(await run(call, message.calls, message.inFlight)) });
});
// The parent gone (or done): nothing left to measure.
process.on("disconnect", () => process.exit(0));
send({ cmd: "ready", url });
