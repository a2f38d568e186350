import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { type DemoShop, ROOT, type RunningBff, startBff, startDemoShop } from "../support/processes.js";

/**
 * A process that keeps about 30 MB live in the old generation and keeps
 * replacing it (each object outlives its scavenges, is promoted, then
 * dropped: what a BFF under load does with each request's state), with
 * `limitHeapGrowth(percent)` from core applied first. Prints the largest
 * old-space size it saw, in MB.
 */
const CHURN = `
import { getHeapSpaceStatistics } from "node:v8";
import { limitHeapGrowth } from "@portico/core";
limitHeapGrowth(Number(process.argv[1]));
const slots = new Array(30_000).fill(null);
let peak = 0;
let i = 0;
// A fixed amount of work, not a fixed time: a slow or busy machine does the same churn.
for (let round = 0; round < 1500; round++) {
  for (let j = 0; j < 2000; j++) new Array(50);
  for (let k = 0; k < 200; k++) slots[i++ % slots.length] = { data: new Array(120).fill(i) };
  const old = getHeapSpaceStatistics().find((space) => space.space_name === "old_space");
  peak = Math.max(peak, old.space_size);
}
console.log(JSON.stringify({ peakOldMb: peak / 1048576 }));
`;

/** Runs `script` as a module in a node of its own and resolves with all it printed. */
function runOutput(script: string, args: readonly string[], nodeArgs: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, "--input-type=module", "-e", script, ...args], {
      // From test/, where @portico/core resolves to the built package.
      cwd: `${ROOT}test`,
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`script exited ${code}: ${out}`));
      else resolve(out);
    });
  });
}

/** The same, resolving with the JSON it printed. */
async function runScript<T>(
  script: string,
  args: readonly string[],
  nodeArgs: readonly string[],
): Promise<T> {
  return JSON.parse(await runOutput(script, args, nodeArgs)) as T;
}

async function peakOldSpaceMb(percent: number, nodeArgs: readonly string[] = []): Promise<number> {
  return (await runScript<{ peakOldMb: number }>(CHURN, [String(percent)], nodeArgs)).peakOldMb;
}

describe("HEAP_GROWTH_PCT: the heap between full collections", () => {
  it("keeps a churning old generation near its live size at 50 %, where V8's heuristic lets it grow several times over", async () => {
    // One at a time: two heavy children at once on a 2-core machine would measure each other.
    const v8Default = await peakOldSpaceMb(0);
    const limited = await peakOldSpaceMb(50);
    // About 30 MB live: V8's own heuristic went to ~150 MB here, 50 % to ~70-80.
    expect(limited).toBeLessThan(110);
    expect(limited).toBeLessThan(v8Default * 0.75);
  });

  it("leaves an operator's own --heap-growing-percent on node's command line as it is", async () => {
    // The operator asks for 300 %: the default of 50 must not override it.
    const operators = await peakOldSpaceMb(50, ["--heap-growing-percent=300"]);
    const limited = await peakOldSpaceMb(50);
    expect(operators).toBeGreaterThan(limited * 1.3);
  });
});

/**
 * A fresh process, whose young generation starts at its minimum as it is
 * after a quiet spell, keeping a gateway's requests in progress alive (100
 * of about 10 KB, replaced as they finish) while it allocates short-lived
 * objects. Prints how many rounds of that it took before the young
 * generation had grown to 16 MB (from 1 MB).
 */
const REGROW = `
import { getHeapSpaceStatistics } from "node:v8";
// Core's one module, not its whole entry: loading everything would grow the young generation first.
const { growNewSpaceAtOnce } = await import(process.argv[2]);
if (process.argv[1] === "on") growNewSpaceAtOnce();
const newSpaceKb = () => getHeapSpaceStatistics().find((space) => space.space_name === "new_space").space_size / 1024;
const inProgress = new Array(100).fill(null);
let rounds = 0;
while (newSpaceKb() < 16384 && rounds < 5000) {
  for (let k = 0; k < 10; k++) inProgress[(rounds * 10 + k) % inProgress.length] = new Array(1200).fill(rounds);
  for (let j = 0; j < 200; j++) ({ j, list: [j] });
  rounds++;
}
console.log(JSON.stringify({ rounds }));
`;

const HEAP_SIZING_MODULE = `${ROOT}packages/core/dist/server/heap-sizing.js`;

async function roundsToRegrow(on: boolean, nodeArgs: readonly string[] = []): Promise<number> {
  const args = [on ? "on" : "off", HEAP_SIZING_MODULE];
  return (await runScript<{ rounds: number }>(REGROW, args, nodeArgs)).rounds;
}

describe("the young generation after a quiet spell (growNewSpaceAtOnce)", () => {
  it("grows back to full size within a few scavenges, where V8's doubling takes many", async () => {
    const v8Default = await roundsToRegrow(false);
    const atOnce = await roundsToRegrow(true);
    // Measured: about 800 rounds by doubling, about 15 at once.
    expect(atOnce).toBeLessThan(v8Default / 5);
  });

  it("leaves an operator's own --semi-space-growth-factor on node's command line as it is", async () => {
    const operators = await roundsToRegrow(true, ["--semi-space-growth-factor=2"]);
    const atOnce = await roundsToRegrow(true);
    expect(operators).toBeGreaterThan(atOnce * 5);
  });
});

/**
 * A process run with V8's pretenuring decisions traced, where one place
 * allocates objects that outlive several scavenges (a slow route's
 * requests, 300,000 in progress at a time).
 */
const OUTLIVING_SCAVENGES = `
const { disablePretenuring } = await import(process.argv[2]);
if (process.argv[1] === "on") disablePretenuring();
function requestState(i) {
  return { id: i, name: "request", parts: [i, i + 1] };
}
const inProgress = new Array(300_000);
for (let i = 0; i < 3_000_000; i++) inProgress[i % inProgress.length] = requestState(i);
console.log(JSON.stringify({ inProgress: inProgress.length }));
`;

const TRACE_PRETENURING = "--trace-pretenuring-statistics";

/** How many times V8 decided to allocate a place's objects straight into the old generation. */
const tenureDecisions = (traced: string): number =>
  traced.split("\n").filter((line) => line.includes("=> tenure")).length;

async function scriptTenureDecisions(on: boolean, nodeArgs: readonly string[] = []): Promise<number> {
  const args = [on ? "on" : "off", HEAP_SIZING_MODULE];
  return tenureDecisions(await runOutput(OUTLIVING_SCAVENGES, args, [TRACE_PRETENURING, ...nodeArgs]));
}

/**
 * `requests` product details from mobile-bff (a composite: its requests live
 * while six upstream calls do), 50 at a time; resolves with how many V8
 * decided to tenure meanwhile.
 */
async function bffTenureDecisions(shop: DemoShop, requests: number, nodeArgs: readonly string[]) {
  const bff: RunningBff = await startBff("mobile-bff", shop.env, [TRACE_PRETENURING, ...nodeArgs]);
  try {
    let next = 0;
    const client = async () => {
      while (next < requests) {
        const response = await fetch(`${bff.url}/productdetails/p${(next++ % 20) + 1}`);
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 50 }, client));
    return tenureDecisions(bff.output());
  } finally {
    await bff.stop();
  }
}

describe("a slow route's long-lived objects do not make V8 allocate every route's in the old generation (disablePretenuring)", () => {
  it("keeps V8 from tenuring the allocation sites that objects outliving scavenges came from", async () => {
    // The control: V8 on its own tenures the sites (a few decisions), so the test can fail.
    expect(await scriptTenureDecisions(false)).toBeGreaterThan(0);
    expect(await scriptTenureDecisions(true)).toBe(0);
  });

  it("leaves an operator's own --allocation-site-pretenuring on node's command line as it is", async () => {
    expect(await scriptTenureDecisions(true, ["--allocation-site-pretenuring"])).toBeGreaterThan(0);
  });

  describe("in a BFF under composite load", () => {
    let shop: DemoShop | undefined;
    afterAll(async () => {
      await shop?.stop();
    });

    it("is what runBff starts with: no tenuring, where an operator who asks for it gets some", async () => {
      shop = await startDemoShop();
      // The control: the same load with pretenuring asked for on the command line tenures sites.
      expect(await bffTenureDecisions(shop, 3000, ["--allocation-site-pretenuring"])).toBeGreaterThan(0);
      expect(await bffTenureDecisions(shop, 3000, [])).toBe(0);
    }, 60_000);
  });
});
