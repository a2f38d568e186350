#!/usr/bin/env node
// Issue 18's four measurements, each against the same run without the
// feature, on the built apps (demo shop, mobile-bff) and, for the fleet, the
// local Redis (REDIS_URL, default redis://127.0.0.1:6379):
//   hedging     two catalog instances, one answering 10 % of its calls 300 ms
//               late; 400 sequential product details with and without
//               CATALOG_HEDGE_AFTER_MS=60: composite p99 and catalog calls;
//   adaptive    an upstream serving 2 calls at a time in 25 ms (80 rps) and
//               queueing the rest, behind the pass-through: goodput (200s
//               within the 1 s deadline per second) at 4 clients (peak) and
//               at 100 (overload), ADAPTIVE_CONCURRENCY on and off;
//   coalescing  two mobile-bffs, 100 concurrent identical requests split
//               between them, catalog +800 ms: catalog calls with and
//               without a shared REDIS_URL;
//   breaker     reviews dies; instance A's circuit opens: how soon instance
//               B, which never called reviews, fails fast (with Redis), or
//               whether it calls reviews itself (without).
// `pnpm bench` runs it after the scenarios (BENCH_TAIL=off skips it);
// `node bench/tail.mjs` runs it alone. Results: bench/results/tail.json.
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { closedLoop, startQueueingUpstream } from "@portico/test-support";
import { serviceUrlEnv, start, startDemoShop, stop } from "../scripts/soak/processes.mjs";
import { stopChildrenOnExit } from "./lib/children.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const { children, stopAll } = stopChildrenOnExit();
/** Each process is stopped with the run, even one that never got ready. */
const STARTING = { timeoutMs: 20_000, onSpawn: (child) => children.push(child) };

/** Starts `entry` (built, under the repo root); resolves with the first JSON log line `ready` accepts. */
function startNode(entry, childEnv, ready) {
  return start(ROOT, entry, { LOG_LEVEL: "warn", ...childEnv }, ready, STARTING);
}

async function startShop() {
  const { child, info } = await startDemoShop(ROOT, { LOG_LEVEL: "warn" }, STARTING);
  return { child, urls: info.services, control: info.control, env: serviceUrlEnv(info.services) };
}

async function startMobile(env) {
  const { child, info } = await startNode("apps/mobile-bff/dist/main.js", { PORT: "0", ...env }, (json) =>
    String(json.msg ?? "").endsWith("listening"),
  );
  return { child, url: info.url };
}

async function control(shop, method, path, body) {
  const response = await fetch(`${shop.control}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
  return response.headers.get("content-type")?.includes("json") ? response.json() : undefined;
}

const drain = async (response) => {
  await response.arrayBuffer();
  return response.status;
};
const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function hedging() {
  const [healthy, lagging] = await Promise.all([startShop(), startShop()]);
  const env = {
    ...healthy.env,
    CATALOG_URL: `${healthy.urls.catalog},${lagging.urls.catalog}`,
    OUTLIER_CONSECUTIVE_FAILURES: "0",
  };
  const run = async (extra) => {
    const bff = await startMobile({ ...env, ...extra });
    for (let i = 0; i < 20; i++) await drain(await fetch(`${bff.url}/productdetails/p1`));
    await control(lagging, "DELETE", "/_faults");
    await control(lagging, "POST", "/_faults/catalog", { mode: "delay", ms: 300, rate: 0.1 });
    const calls = async () =>
      (await control(healthy, "GET", "/_stats/catalog")).total +
      (await control(lagging, "GET", "/_stats/catalog")).total;
    const before = await calls();
    const latencies = [];
    for (let i = 0; i < 400; i++) {
      const started = performance.now();
      await drain(await fetch(`${bff.url}/productdetails/p1`));
      latencies.push(performance.now() - started);
    }
    const made = (await calls()) - before;
    await control(lagging, "DELETE", "/_faults");
    await stop(bff);
    latencies.sort((a, b) => a - b);
    return { p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), catalogCalls: made };
  };
  const off = await run({});
  const on = await run({ CATALOG_HEDGE_AFTER_MS: "60" });
  await Promise.all([stop(healthy), stop(lagging)]);
  return {
    off,
    on,
    pass: on.p99Ms <= off.p99Ms / 2 && on.catalogCalls <= off.catalogCalls * 1.05 + 1,
    verdict: `p99 ${off.p99Ms.toFixed(0)} → ${on.p99Ms.toFixed(0)} ms, catalog calls +${((on.catalogCalls / off.catalogCalls - 1) * 100).toFixed(1)} %`,
  };
}

async function adaptive() {
  const run = async (mode) => {
    // The same upstream and load as test/resilience/adaptive-goodput.test.ts.
    const upstream = await startQueueingUpstream({
      capacity: 2,
      serviceMs: 25,
      body: { productId: "p1", average: 4.5, count: 1, items: [] },
    });
    const bff = await startMobile({
      REVIEWS_URL: upstream.url,
      ADAPTIVE_CONCURRENCY: mode,
      REQUEST_DEADLINE_MS: "1000",
      UPSTREAM_TIMEOUT_MS: "800",
      BREAKER_MIN_REQUESTS: "1000000",
    });
    const load = (clients, durationMs) =>
      closedLoop({
        url: `${bff.url}/reviews?productId=p1`,
        clients,
        durationMs,
        deadlineMs: 1000,
        backoffMs: 50,
      });
    const peak = await load(4, 3000);
    await load(100, 1000);
    const overload = await load(100, 5000);
    await stop(bff);
    await upstream.close();
    return { peak, overload };
  };
  const on = await run("on");
  const off = await run("off");
  return {
    off,
    on,
    pass: on.overload.goodput >= 0.8 * on.peak.goodput && on.overload.p99Ms < 1000,
    verdict: `overload goodput ${((on.overload.goodput / on.peak.goodput) * 100).toFixed(0)} % of peak, p99 ${on.overload.p99Ms.toFixed(0)} ms (off: ${((off.overload.goodput / off.peak.goodput) * 100).toFixed(0)} %, p99 ${off.overload.p99Ms.toFixed(0)} ms)`,
  };
}

async function redisAnswers() {
  const url = new URL(REDIS_URL);
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const socket = connect(Number(url.port || 6379), url.hostname);
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (chunk) => {
      socket.destroy();
      resolve(String(chunk).startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
  });
}

async function twoMobiles(shop, fleet, extra = {}) {
  const shared = fleet
    ? { REDIS_URL, REDIS_KEY_PREFIX: `portico-bench:${randomUUID()}:`, REDIS_TIMEOUT_MS: "1000" }
    : {};
  const env = { ...shop.env, UPSTREAM_TIMEOUT_MS: "3000", REQUEST_DEADLINE_MS: "6000", ...shared, ...extra };
  return Promise.all([startMobile(env), startMobile(env)]);
}

async function coalescing(shop) {
  const run = async (fleet, id) => {
    const bffs = await twoMobiles(shop, fleet);
    await control(shop, "POST", "/_faults/catalog", { mode: "delay", ms: 800 });
    await control(shop, "DELETE", "/_requests");
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => fetch(`${bffs[i % 2].url}/productdetails/${id}`).then(drain)),
    );
    const recorded = await control(shop, "GET", "/_requests?service=catalog");
    await control(shop, "DELETE", "/_faults");
    await Promise.all(bffs.map(stop));
    return recorded.items.filter((request) => request.path === `/products/${id}`).length;
  };
  const on = await run(true, "p11");
  const off = await run(false, "p12");
  return { off, on, pass: on === 1, verdict: `catalog calls ${off} → ${on}` };
}

async function sharedBreaker(shop) {
  const breaker = { BREAKER_MIN_REQUESTS: "5", BREAKER_ERROR_PCT: "50", BREAKER_OPEN_MS: "4000" };
  const circuit = async (bff) =>
    (await (await fetch(`${bff.url}/admin/status`)).json()).upstreams.reviews.circuit;
  const run = async (fleet) => {
    const [a, b] = await twoMobiles(shop, fleet, breaker);
    await control(shop, "POST", "/_faults/reviews", { mode: "error", status: 500 });
    for (let i = 1; i <= 5; i++) await drain(await fetch(`${a.url}/productdetails/p${i}`));
    const opened = performance.now();
    let seenMs;
    while (performance.now() - opened < 3000) {
      if ((await circuit(b)) === "open") {
        seenMs = performance.now() - opened;
        break;
      }
      await sleep(10);
    }
    await control(shop, "DELETE", "/_requests");
    await drain(await fetch(`${b.url}/productdetails/p6`));
    const bCalled = (await control(shop, "GET", "/_requests?service=reviews")).items.length > 0;
    await control(shop, "DELETE", "/_faults");
    await Promise.all([stop(a), stop(b)]);
    return { bFailsFastAfterMs: seenMs ?? null, bCalledReviews: bCalled };
  };
  const on = await run(true);
  const off = await run(false);
  return {
    off,
    on,
    pass: on.bFailsFastAfterMs !== null && on.bFailsFastAfterMs < 1000 && !on.bCalledReviews,
    verdict: `B fails fast ${on.bFailsFastAfterMs === null ? "never" : `${on.bFailsFastAfterMs.toFixed(0)} ms`} after A's circuit opened (without Redis: ${off.bCalledReviews ? "B calls reviews itself" : "B did not call"})`,
  };
}

async function main() {
  const results = { date: new Date().toISOString() };
  console.log("tail latency and the fleet (issue 18), each with the feature and without:");
  results.hedging = await hedging();
  console.log(`  ${results.hedging.pass ? "PASS" : "FAIL"}  hedging: ${results.hedging.verdict}`);
  results.adaptive = await adaptive();
  console.log(
    `  ${results.adaptive.pass ? "PASS" : "FAIL"}  adaptive concurrency: ${results.adaptive.verdict}`,
  );
  if (await redisAnswers()) {
    const shop = await startShop();
    results.coalescing = await coalescing(shop);
    console.log(
      `  ${results.coalescing.pass ? "PASS" : "FAIL"}  fleet coalescing: ${results.coalescing.verdict}`,
    );
    results.breaker = await sharedBreaker(shop);
    console.log(`  ${results.breaker.pass ? "PASS" : "FAIL"}  shared breaker: ${results.breaker.verdict}`);
    await stop(shop);
  } else {
    console.log(`  SKIP  fleet coalescing and shared breaker: no Redis at ${REDIS_URL}`);
  }
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${RESULTS}tail.json`, `${JSON.stringify(results, null, 2)}\n`);
  console.log("results: bench/results/tail.json");
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(stopAll);
