#!/usr/bin/env node
// Soak test: mixed load on all three BFFs for a bounded time, with one
// service down (recommendations: connection refused) and one slow (reviews:
// +300 ms). The mix includes writes (cart lines, orders with Idempotency-Key
// double taps, replays and reused keys) on mobile-bff and web-bff. Counts
// every answer by status, checks each against the contract, and samples each
// BFF's RSS. Fails (exit 1) on any answer outside the contract, any BFF
// crash, RSS growth of 10% or more after warm-up, or when the orders the
// shop placed differ from the distinct Idempotency-Keys answered 201.
//
//   pnpm soak                          # 180 s
//   pnpm soak -- --duration 600        # or SOAK_DURATION_S=600
//   SOAK_CONCURRENCY=64 SOAK_SEED=42 pnpm soak
//   pnpm soak -- --tail                # or SOAK_TAIL=on: hedged reads (p95) and
//                                      # ADAPTIVE_CONCURRENCY=on in every BFF
//
// Needs the apps built (`npx -y pnpm@12.4.2 run build`). See docs/hardening.md.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { connectInspector, inspectorUrlIn } from "./soak/inspector.mjs";
import { prng, requestKinds, violations, weightedPicker } from "./soak/mix.mjs";
import { rssOf, serviceUrlEnv, start, startDemoShop, stop } from "./soak/processes.mjs";
import { RESOLVE_GRACE_MS, writeKinds, writeLedger } from "./soak/writes.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
// The soak is no turbo task: its SOAK_* variables are read here, not through turbo's cache.
const { env } = process;
const SPA_ORIGIN = "https://shop.example";
const KEYS = { big: "soak-partner-key-000000001", tiny: "soak-partner-tiny-0000001" };
const MAX_RSS_GROWTH = 0.1;
const CLIENT_TIMEOUT_MS = 10_000;

/** `--name N`, `--name=N` or the environment variable; a positive number. */
function option(name, variable, fallback) {
  const args = process.argv.slice(2);
  const at = args.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  let raw = env[variable];
  if (at !== -1) raw = args[at].includes("=") ? args[at].split("=")[1] : args[at + 1];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`soak: --${name} (${variable}) must be a positive number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const durationS = option("duration", "SOAK_DURATION_S", 180);
const concurrency = Math.round(option("concurrency", "SOAK_CONCURRENCY", 32));
const seed = Math.round(option("seed", "SOAK_SEED", Date.now() % 2_147_483_647));
// Warm-up (JIT, pools, caches and heaps reach their working size), then the
// RSS baseline is the median over a window; the end value is the median over
// the same length of window at the end of the run.
const warmupS = Math.min(60, Math.max(5, Math.round(durationS * 0.2)));
const windowS = Math.min(30, Math.max(3, Math.round(durationS * 0.1)));
if (durationS < warmupS + 2 * windowS) {
  console.error(`soak: --duration must be at least ${warmupS + 2 * windowS} s`);
  process.exit(2);
}

// The tail-latency mechanisms (contract sections 4 and 5), off by default as in production.
const tail = process.argv.includes("--tail") || ["on", "1", "true"].includes(env.SOAK_TAIL ?? "");
const TAIL_ENV = {
  ADAPTIVE_CONCURRENCY: "on",
  CATALOG_HEDGE_AFTER_MS: "p95",
  PRICING_HEDGE_AFTER_MS: "p95",
  REVIEWS_HEDGE_AFTER_MS: "p95",
  INVENTORY_HEDGE_AFTER_MS: "p95",
};

const processes = [];
let stopping = false;
/** The BFFs first (they drain in-flight requests), then the shop they call. */
async function stopAll() {
  stopping = true;
  const [shop, ...bffs] = processes.splice(0);
  await Promise.all(bffs.map((proc) => stop(proc)));
  if (shop !== undefined) await stop(shop);
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    stopAll().finally(() => process.exit(130));
  });
}

async function control(url, method, body) {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}

async function main() {
  console.log(
    `soak: ${durationS} s, ${concurrency} clients, seed ${seed}, warm-up ${warmupS} s, RSS window ${windowS} s`,
  );
  const shop = await startDemoShop(ROOT);
  processes.push(shop);
  const { control: controlUrl, services } = shop.info;
  await control(`${controlUrl}/_faults/recommendations`, "POST", { mode: "refuse" });
  await control(`${controlUrl}/_faults/reviews`, "POST", { mode: "delay", ms: 300 });
  console.log("soak: recommendations is down (refuse), reviews is slow (+300 ms)");

  const shared = {
    ...serviceUrlEnv(services),
    PORT: "0",
    LOG_LEVEL: "warn",
    ...(tail ? TAIL_ENV : {}),
  };
  // SOAK_NODE_FLAGS go to the BFFs' node only, e.g. "--heapsnapshot-signal=SIGUSR2" to look for a leak.
  const flags = (env.SOAK_NODE_FLAGS ?? "").split(/\s+/).filter((flag) => flag !== "");
  // The inspector (loopback, a free port) lets the soak ask for a full GC before it reads RSS.
  flags.unshift("--inspect=127.0.0.1:0");
  const bffEnv = {
    "mobile-bff": shared,
    "web-bff": { ...shared, CORS_ORIGINS: SPA_ORIGIN },
    "partner-bff": {
      ...shared,
      PARTNER_KEYS: JSON.stringify([
        { key: KEYS.big, name: "soak", ratePerMinute: 1_000_000 },
        { key: KEYS.tiny, name: "tiny", ratePerMinute: 30 },
      ]),
    },
  };
  const bffs = {};
  for (const [name, bffVars] of Object.entries(bffEnv)) {
    const proc = await start(
      ROOT,
      `apps/${name}/dist/main.js`,
      bffVars,
      (json) => String(json.msg ?? "").endsWith("listening"),
      { flags },
    );
    processes.push(proc);
    const inspectorUrl = inspectorUrlIn(proc.output());
    if (inspectorUrl === undefined) throw new Error(`${name} printed no inspector URL`);
    bffs[name] = {
      proc,
      url: proc.info.url,
      crashed: false,
      inspector: await connectInspector(inspectorUrl),
    };
    console.log(
      `soak: ${name} pid ${proc.child.pid} at ${proc.info.url}${tail ? " (hedging p95, adaptive concurrency)" : ""}`,
    );
    proc.child.once("exit", (code, signal) => {
      if (!stopping) {
        bffs[name].crashed = true;
        console.error(
          `soak: ${name} exited (${signal ?? code}) during the run:\n${proc.output().slice(-2_000)}`,
        );
      }
    });
  }

  const token = async (body) => (await control(`${services.auth}/token`, "POST", body)).access_token;
  const tokens = {
    c1: await token({ customerId: "c1", expiresIn: durationS + 600 }),
    c2: await token({ customerId: "c2", expiresIn: durationS + 600 }),
    c3: await token({ customerId: "c3", expiresIn: durationS + 600 }),
    expired: await token({ customerId: "c1", expiresIn: -60 }),
  };
  const urls = { mobile: bffs["mobile-bff"].url, web: bffs["web-bff"].url, partner: bffs["partner-bff"].url };
  const ledger = writeLedger();
  const kinds = [
    ...requestKinds({ urls, tokens, keys: KEYS, spaOrigin: SPA_ORIGIN }),
    // A key answered 5xx or not at all is retried until the end of the load plus this grace.
    ...writeKinds({ urls, tokens, ledger, until: () => deadline + RESOLVE_GRACE_MS }),
  ];
  const rand = prng(seed);
  const pick = weightedPicker(kinds, rand);
  // Orders take stock: enough of every product for the whole run (the seed has sold-out ones).
  for (let i = 1; i <= 24; i++)
    await control(`${controlUrl}/_admin/stock/p${i}`, "POST", { available: 1_000_000_000 });
  const placedBefore = (await control(`${controlUrl}/_admin/orders/count`, "GET")).placed;

  const stats = Object.fromEntries(
    Object.keys(bffs).map((name) => [
      name,
      { byStatus: {}, fiveHundreds: {}, outside: 0, latencies: [], rss: [] },
    ]),
  );
  const examples = [];
  const started = performance.now();
  const deadline = started + durationS * 1_000;

  const sampler = setInterval(() => {
    const at = (performance.now() - started) / 1_000;
    for (const [name, bff] of Object.entries(bffs)) {
      const rss = rssOf(bff.proc.child.pid);
      if (rss !== undefined) stats[name].rss.push({ at, rss });
    }
  }, 500);

  /** RSS after two full collections: what the process holds, not how lazily V8 collected. */
  async function rssAfterGc(bff) {
    for (let i = 0; i < 2; i++) {
      await bff.inspector.collectGarbage();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return rssOf(bff.proc.child.pid);
  }
  const afterGc = Object.fromEntries(Object.keys(bffs).map((name) => [name, {}]));
  const measureAll = async (when) => {
    for (const [name, bff] of Object.entries(bffs)) {
      if (!bff.crashed) afterGc[name][when] = await rssAfterGc(bff).catch(() => undefined);
    }
  };
  const at = (s) => new Promise((resolve) => setTimeout(resolve, s * 1_000));
  // Both under the same load: right after warm-up, and shortly before the clients stop.
  const measured = Promise.all([
    at(warmupS).then(() => measureAll("start")),
    at(durationS - 3).then(() => measureAll("end")),
  ]);

  let lastReport = started;
  /** Counts an answer outside the contract that no single response shows (a write flow's finding). */
  function fail(kind, detail) {
    stats[kind.bff].outside++;
    if (examples.length < 20) examples.push({ kind: kind.name, found: [detail] });
  }
  /** One request of `kind`: counted, checked, and its answer given back (`status` "error" when none). */
  async function send(kind, { url, method = "GET", headers = {}, body }) {
    const stat = stats[kind.bff];
    const t0 = performance.now();
    let found;
    let status = "error";
    let answer = { status };
    try {
      const response = await fetch(url, {
        method,
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      const text = await response.text();
      status = response.status;
      found = violations(kind, response, text);
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: the checks above said so where it matters.
      }
      answer = { status, headers: response.headers, body: parsed };
      if (status >= 500) {
        // Which 5xx: a shed request (OVERLOADED), an open circuit, a timeout...
        const code = /"code":"([A-Z_]+)"/.exec(text)?.[1] ?? "none";
        stats[kind.bff].fiveHundreds[code] = (stats[kind.bff].fiveHundreds[code] ?? 0) + 1;
      }
    } catch (error) {
      found = [`no answer: ${error?.cause?.code ?? error?.name ?? String(error)}`];
    }
    stat.latencies.push(performance.now() - t0);
    stat.byStatus[status] = (stat.byStatus[status] ?? 0) + 1;
    if (found.length > 0) {
      stat.outside++;
      if (examples.length < 20) examples.push({ kind: kind.name, url: url.slice(0, 120), status, found });
    }
    return answer;
  }
  async function client() {
    while (performance.now() < deadline) {
      const kind = pick();
      if (kind.flow) {
        // A write flow: several requests, each checked by the rules it gives `send`.
        await kind.flow({
          rand,
          send: (rules, request) => send({ ...kind, ...rules }, request),
          fail: (detail) => fail(kind, detail),
        });
      } else {
        await send(kind, kind.build(rand));
      }
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        const done = Object.values(stats).reduce((sum, s) => sum + s.latencies.length, 0);
        const outside = Object.values(stats).reduce((sum, s) => sum + s.outside, 0);
        console.log(
          `soak: ${Math.round((lastReport - started) / 1_000)} s, ${done} answers, ${outside} outside the contract`,
        );
      }
    }
  }
  await Promise.all([...Array.from({ length: concurrency }, () => client()), measured]);
  clearInterval(sampler);
  // Every order placed was answered 201 to a key (a lost answer's key was retried until it was).
  const placed = (await control(`${controlUrl}/_admin/orders/count`, "GET")).placed - placedBefore;
  const keysCreated = ledger.created.size;
  for (const bff of Object.values(bffs)) bff.inspector.close();
  const elapsedS = (performance.now() - started) / 1_000;

  // Still alive and healthy after the run?
  for (const [name, bff] of Object.entries(bffs)) {
    try {
      const response = await fetch(`${bff.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      if (response.status !== 200) bff.crashed = true;
    } catch {
      bff.crashed = true;
    }
    if (bff.crashed) console.error(`soak: ${name} is not healthy after the run`);
  }

  const orders = {
    keys: ledger.keys,
    keysAnswered201: keysCreated,
    ordersPlaced: placed,
    doubleTaps: ledger.doubleTaps,
    replays: ledger.replays,
    keysReused: ledger.reused,
    inProgress409: ledger.inProgress,
    retried: ledger.retried,
    unresolved: ledger.unresolved,
  };
  const report = {
    seed,
    durationS: Math.round(elapsedS),
    concurrency,
    warmupS,
    windowS,
    bffs: {},
    orders,
    examples,
  };
  let failed = placed !== keysCreated;
  const rows = [];
  for (const [name, stat] of Object.entries(stats)) {
    const sorted = stat.latencies.slice().sort((a, b) => a - b);
    const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
    const median = (samples) => {
      const values = samples.map((s) => s.rss).sort((a, b) => a - b);
      return values[Math.floor(values.length / 2)];
    };
    const baseline = afterGc[name].start;
    const end = afterGc[name].end;
    const growth = baseline && end ? (end - baseline) / baseline : undefined;
    // For information: RSS as sampled, GC slack included.
    const sampledStart = median(stat.rss.filter((s) => s.at >= warmupS && s.at < warmupS + windowS));
    const sampledEnd = median(stat.rss.filter((s) => s.at >= elapsedS - windowS));
    const rssFailed = growth === undefined || growth >= MAX_RSS_GROWTH;
    if (stat.outside > 0 || rssFailed || bffs[name].crashed) failed = true;
    const mb = (bytes) => (bytes === undefined ? "n/a" : (bytes / 1_048_576).toFixed(1));
    report.bffs[name] = {
      answers: sorted.length,
      rps: Math.round(sorted.length / elapsedS),
      byStatus: stat.byStatus,
      fiveHundredsByCode: stat.fiveHundreds,
      outsideContract: stat.outside,
      p50Ms: Math.round(pct(50)),
      p99Ms: Math.round(pct(99)),
      rssStartMb: Number(mb(baseline)),
      rssEndMb: Number(mb(end)),
      rssSampledMedianStartMb: Number(mb(sampledStart)),
      rssSampledMedianEndMb: Number(mb(sampledEnd)),
      rssPeakMb: Number(mb(Math.max(...stat.rss.map((s) => s.rss)))),
      rssGrowthPct: growth === undefined ? null : Math.round(growth * 1000) / 10,
      crashed: bffs[name].crashed,
      rssMbEvery10s: stat.rss.filter((_, i) => i % 20 === 0).map((s) => Number(mb(s.rss))),
    };
    const growthText = growth === undefined ? "n/a" : `${(growth * 100).toFixed(1)}%`;
    const statuses = Object.entries(stat.byStatus)
      .sort()
      .map(([code, n]) => `${code}: ${n}`)
      .join(", ");
    const { rps, p50Ms, p99Ms, rssPeakMb } = report.bffs[name];
    rows.push(
      [
        name,
        sorted.length,
        rps,
        statuses,
        `**${stat.outside}**`,
        `${p50Ms} / ${p99Ms}`,
        `${mb(baseline)} → ${mb(end)} (${growthText})`,
        `${mb(sampledStart)} → ${mb(sampledEnd)}, peak ${rssPeakMb}`,
      ].join(" | "),
    );
  }

  console.log(`\nsoak report: ${Math.round(elapsedS)} s, ${concurrency} clients, seed ${seed}\n`);
  console.log(
    "| BFF | answers | rps | by status | outside contract | p50 / p99 ms | RSS after GC, warm-up → end (MB) | RSS sampled, median (MB) |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const row of rows) console.log(`| ${row} |`);
  console.log(
    "\n| orders | keys | distinct keys answered 201 | orders placed (shop) | double taps | replays | key reused (422) | 409 in progress | retried after 5xx/no answer/409 | unresolved |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  console.log(
    `| mobile-bff + web-bff | ${orders.keys} | **${keysCreated}** | **${placed}** | ${orders.doubleTaps} | ${orders.replays} | ${orders.keysReused} | ${orders.inProgress409} | ${orders.retried} | ${orders.unresolved} |`,
  );
  if (examples.length > 0) {
    console.log("\nFirst answers outside the contract:");
    for (const example of examples) console.log(`  ${JSON.stringify(example)}`);
  }
  if (env.SOAK_REPORT) writeFileSync(env.SOAK_REPORT, `${JSON.stringify(report, null, 2)}\n`);
  await stopAll();
  const outside = Object.values(report.bffs).reduce((sum, bff) => sum + bff.outsideContract, 0);
  console.log(
    `\nsoak: ${failed ? "FAIL" : "PASS"}: ${outside} answers outside the contract; RSS growth ${Object.entries(
      report.bffs,
    )
      .map(([name, bff]) => `${name} ${bff.rssGrowthPct ?? "n/a"}%`)
      .join(
        ", ",
      )} (limit ${MAX_RSS_GROWTH * 100}%); orders placed ${placed}, distinct keys answered 201 ${keysCreated}${
      placed === keysCreated ? "" : " (DIFFERENT)"
    }`,
  );
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error) => {
    console.error(`soak: ${error?.stack ?? error}`);
    await stopAll();
    process.exit(1);
  },
);
