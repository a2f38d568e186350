#!/usr/bin/env node
// What each layer of a BFF costs, in CPU µs: per upstream call (raw undici,
// core's HttpTransport, a gateway's ServiceClient) and per client request
// (GET /healthz through mobile-bff's edge, a raw node:http server). Run by
// `pnpm bench` after the scenarios (unless BENCH_LAYERS=off), or alone:
// `node bench/layers.mjs`. See docs/performance.md.
//
// How it measures, and why that is fair:
//   - Every measured layer runs in a process of its own (bench/lib/layers-child.mjs),
//     pinned to cpu 0; this process, pinned to cpu 1, is the other end: the
//     fake upstream (plain node:http answering fixed catalog JSON on
//     loopback) for the callers, the load generator (an undici pool, keep-alive,
//     `inFlight` requests in flight) for the servers.
//   - A caller counts its own CPU (process.cpuUsage, user + system) across
//     `calls` calls with `inFlight` in flight: the upstream's work is in the
//     other process and not counted. What is counted beyond the layer is the
//     same for every caller: the loop that keeps `inFlight` calls going (an
//     async function and a promise per call, about 1 µs).
//   - A server reports its own process.cpuUsage before and after the load:
//     the load generator's work is in the other process and not counted.
//   - Each layer gets a warm-up before it is measured (the JIT and the
//     pools settle); rounds interleave the layers, in rotating order, and the
//     table shows the median per layer. Per request, CPU is steadier than
//     throughput on a shared machine: other tenants stretch the clock, not the work.
// Knobs: BENCH_LAYERS_CALLS calls measured per layer and round (default 30000; the
// first round warms up with 2/3 as many first), BENCH_LAYERS_ROUNDS (default 3),
// BENCH_LAYERS_ONLY (comma-separated layer ids: measure those alone, e.g. `client,undici`),
// BENCH_LAYERS_CPU_PROF (layer ids whose process runs with --cpu-prof; profiles in
// bench/results/profiles/layer-<id>-*.cpuprofile, for `node bench/profile-top.mjs`).
// `--smoke`: a few hundred calls, one round, no targets judged; fails on any error.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import { stopChildrenOnExit } from "./lib/children.mjs";
import { answer } from "./lib/fixtures.mjs";
import { canPin, pinned } from "./lib/load.mjs";

const HERE = fileURLToPath(new URL("./", import.meta.url));
const RESULTS = `${HERE}results/`;
const CHILD = `${HERE}lib/layers-child.mjs`;
const SERVER_CPU = 0;
const LOAD_CPU = 1;
const smoke = process.argv.includes("--smoke");
const num = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 1) throw new Error(`${name} must be a number >= 1`);
  return Math.round(value);
};
const options = smoke
  ? { calls: 300, warmup: 100, rounds: 1, inFlight: 10 }
  : (() => {
      const calls = num("BENCH_LAYERS_CALLS", 30_000);
      return {
        calls,
        warmup: Math.round((calls * 2) / 3),
        rounds: num("BENCH_LAYERS_ROUNDS", 3),
        inFlight: 50,
      };
    })();

/** The layers, in the order of the table. `kind`: who does the work measured. */
const LAYERS = [
  { id: "undici", kind: "caller", label: "raw undici Pool.request + JSON.parse" },
  { id: "transport", kind: "caller", label: "HttpTransport.get (@portico/core)" },
  {
    id: "client",
    kind: "caller",
    label: "ServiceClient.get (createGateway, catalog)",
    target: { max: 70, name: "ServiceClient.get <= 70 µs per call" },
  },
  { id: "raw", kind: "server", label: "raw node:http answering a constant" },
  {
    id: "edge",
    kind: "server",
    label: "GET /healthz through mobile-bff's edge",
    target: { max: 50, name: "/healthz through the edge <= 50 µs per request" },
  },
];

const listOf = (name) =>
  (process.env[name] ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter(Boolean);
const only = listOf("BENCH_LAYERS_ONLY");
const profiled = new Set(listOf("BENCH_LAYERS_CPU_PROF"));
for (const id of [...only, ...profiled]) {
  if (!LAYERS.some((layer) => layer.id === id)) throw new Error(`no layer "${id}"`);
}
const MEASURED = only.length === 0 ? LAYERS : LAYERS.filter((layer) => only.includes(layer.id));

const { children, stopAll } = stopChildrenOnExit();

/** This process (and its threads) on the load core, like run.mjs's load generator. */
function pinSelf() {
  if (!canPin) return;
  const child = spawn("taskset", ["-a", "-p", "-c", String(LOAD_CPU), String(process.pid)], {
    stdio: "ignore",
  });
  return new Promise((resolve) => child.on("exit", resolve));
}

/** The fake upstream: fixed catalog JSON per URL, built once, keep-alive as the scenarios' fakes. */
async function startUpstream() {
  const bodies = new Map();
  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    let body = bodies.get(url);
    if (body === undefined) {
      const value = answer("catalog", url);
      body = value === undefined ? null : Buffer.from(JSON.stringify(value));
      bodies.set(url, body);
    }
    if (body === null) {
      res.writeHead(404, { "content-type": "application/json", "content-length": 2 });
      res.end("{}");
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, server };
}

/** Starts one measured process; resolves once it says it is ready. */
function startChild(layer, settings) {
  const prof = profiled.has(layer.id)
    ? [
        "--cpu-prof",
        `--cpu-prof-dir=${RESULTS}profiles`,
        `--cpu-prof-name=layer-${layer.id}-${Date.now()}.cpuprofile`,
      ]
    : [];
  const [command, argv] = pinned(SERVER_CPU, process.execPath, [
    ...prof,
    CHILD,
    layer.id,
    JSON.stringify(settings),
  ]);
  const child = spawn(command, argv, {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  children.push(child);
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  // Answers come back in the order asked; a child that dies fails whatever waits on it.
  const waiting = [];
  child.on("message", (message) => waiting.shift()?.resolve(message));
  child.once("exit", (code, signal) => {
    for (const { reject } of waiting.splice(0))
      reject(new Error(`layer ${layer.id} exited (${code ?? signal}):\n${stderr}`));
  });
  const ask = (message) =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`layer ${layer.id} is not running:\n${stderr}`));
        return;
      }
      waiting.push({ resolve, reject });
      if (message !== undefined) child.send(message);
    });
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`layer ${layer.id} did not start in 20 s:\n${stderr}`)),
      20_000,
    );
  });
  return Promise.race([ask(undefined), timeout])
    .finally(() => clearTimeout(timer))
    .then((ready) => ({ child, url: ready.url, ask }));
}

/** Loads `url`/healthz with `calls` requests, `inFlight` in flight, keep-alive. */
async function drive(pool, calls, inFlight) {
  let next = 0;
  let errors = 0;
  let firstError;
  const worker = async () => {
    while (next < calls) {
      next++;
      try {
        const { statusCode, body } = await pool.request({ method: "GET", path: "/healthz" });
        await body.dump();
        if (statusCode !== 200) throw new Error(`status ${statusCode}`);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, calls) }, worker));
  return { errors, firstError };
}

/** One measurement of `layer`: CPU µs per call (or request) of its process. */
async function measure(layer, proc, calls) {
  if (layer.kind === "caller") {
    const done = await proc.ask({ cmd: "run", calls, inFlight: options.inFlight });
    return { usPerCall: done.cpuUs / calls, perS: calls / (done.wallMs / 1000), ...pick(done) };
  }
  const started = performance.now();
  const before = await proc.ask({ cmd: "cpu" });
  const result = await drive(proc.pool, calls, options.inFlight);
  const after = await proc.ask({ cmd: "cpu" });
  const wallMs = performance.now() - started;
  return { usPerCall: (after.cpuUs - before.cpuUs) / calls, perS: calls / (wallMs / 1000), ...result };
}
const pick = ({ errors, firstError }) => ({ errors, firstError });

const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (value, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "n/a";

async function main() {
  await pinSelf();
  console.log(
    `\nLayers: CPU µs per upstream call / client request, ${options.calls} measured per layer and round` +
      ` (after ${options.warmup} of warm-up), ${options.inFlight} in flight, ${options.rounds} round(s)` +
      (canPin
        ? `; measured processes on cpu ${SERVER_CPU}, upstream and load on cpu ${LOAD_CPU}`
        : "; NOT pinned"),
  );
  if (profiled.size > 0) mkdirSync(`${RESULTS}profiles`, { recursive: true });
  const upstream = await startUpstream();
  const procs = {};
  await Promise.all(
    MEASURED.map(async (layer) => {
      const proc = await startChild(layer, { upstream: upstream.url });
      if (layer.kind === "server") proc.pool = new Pool(proc.url, { connections: options.inFlight });
      procs[layer.id] = proc;
    }),
  );

  const samples = Object.fromEntries(MEASURED.map((layer) => [layer.id, []]));
  const order = [...MEASURED];
  for (let round = 1; round <= options.rounds; round++) {
    for (const layer of order) {
      const proc = procs[layer.id];
      const warmup = round === 1 ? options.warmup : Math.round(options.warmup / 4);
      if (warmup > 0) await measure(layer, proc, warmup);
      const result = await measure(layer, proc, options.calls);
      samples[layer.id].push(result);
      if (result.errors > 0) {
        console.log(`  round ${round} ${layer.id}: ${result.errors} errors, the first: ${result.firstError}`);
      }
    }
    order.push(order.shift());
  }

  const rows = MEASURED.map((layer) => {
    const list = samples[layer.id];
    return {
      layer: layer.id,
      label: layer.label,
      kind: layer.kind,
      usPerCall: median(list.map((s) => s.usPerCall)),
      rounds: list.map((s) => s.usPerCall),
      perS: median(list.map((s) => s.perS)),
      errors: list.reduce((sum, s) => sum + s.errors, 0),
    };
  });
  const width = Math.max(...rows.map((row) => row.label.length)) + 2;
  const line = (label, us, rounds, perS) =>
    `${label.padEnd(width)}${String(us).padStart(16)}  ${String(rounds).padEnd(22)}${String(perS).padStart(10)}`;
  console.log(line("layer", "CPU µs per call", "rounds", "calls/s"));
  for (const [i, row] of rows.entries()) {
    if (row.kind !== rows[i - 1]?.kind) {
      console.log(row.kind === "caller" ? "per upstream call:" : "per client request:");
    }
    console.log(
      line(`  ${row.label}`, fmt(row.usPerCall, 1), row.rounds.map((v) => fmt(v)).join(", "), fmt(row.perS)),
    );
  }

  const targets = [];
  for (const layer of MEASURED.filter((l) => l.target)) {
    const row = rows.find((r) => r.layer === layer.id);
    const reference =
      layer.kind === "caller" ? rows.find((r) => r.layer === "undici") : rows.find((r) => r.layer === "raw");
    targets.push({
      name: layer.target.name,
      verdict: row.usPerCall <= layer.target.max,
      detail:
        `${fmt(row.usPerCall, 1)} µs` +
        (reference === undefined ? "" : ` (${reference.label}: ${fmt(reference.usPerCall, 1)})`),
    });
  }
  const errors = rows.reduce((sum, row) => sum + row.errors, 0);
  if (!smoke) {
    console.log("\nTargets (issue 15, layers):");
    for (const t of targets) console.log(`  ${t.verdict ? "PASS" : "FAIL"}  ${t.name}: ${t.detail}`);
  }

  mkdirSync(RESULTS, { recursive: true });
  const file = `${RESULTS}${smoke ? "layers-smoke" : "layers"}.json`;
  const report = {
    date: new Date().toISOString(),
    machine: `${cpus().length} cores, node ${process.version}`,
    options,
    pinned: canPin,
    layers: rows,
    targets,
  };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nresults: bench/results/${file.slice(RESULTS.length)}`);

  for (const proc of Object.values(procs)) await proc.pool?.close();
  // Told to go by closing their IPC channel, the children exit by themselves, which writes a --cpu-prof profile.
  await Promise.all(
    Object.values(procs).map(
      ({ child }) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", resolve);
          child.disconnect();
        }),
    ),
  );
  upstream.server.closeAllConnections();
  upstream.server.close();
  stopAll();
  if (errors > 0) {
    console.error(`layers: ${errors} calls failed`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  stopAll();
  process.exit(1);
});
