import { requireNginx } from "@portico/test-support";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type DemoShop,
  type RunningBff,
  type RunningProcess,
  startBff,
  startDemoShop,
} from "../support/processes.js";
import { loadLoop, PATIENT, type RunningNginx, type Sample, sleep, startNginx, statusOf } from "./support.js";

// A real load balancer in front of the fleet: nginx runs deploy/nginx/nginx.conf
// (only its port and instances rewritten) in front of two mobile-bff instances.
const started: RunningProcess[] = [];
let nginx: RunningNginx | undefined;
let shop: DemoShop | undefined;

beforeAll(() => {
  requireNginx(); // fails clearly when nginx is missing
});

afterEach(async () => {
  await nginx?.stop();
  nginx = undefined;
  await Promise.all(started.splice(0).map((proc) => proc.stop("SIGKILL")));
  await shop?.stop();
  shop = undefined;
});

async function fleet(): Promise<{ a: RunningBff; b: RunningBff; lb: RunningNginx }> {
  shop = await startDemoShop();
  started.push(shop);
  const env = { ...shop.env, ...PATIENT };
  const [a, b] = await Promise.all([startBff("mobile-bff", env), startBff("mobile-bff", env)]);
  started.push(a, b);
  nginx = await startNginx([a.url, b.url]);
  return { a, b, lb: nginx };
}

/** `upstream=` of each access-log line: which instances nginx tried, in order. */
const upstreamsOf = (lines: readonly string[]) =>
  lines.map((line) => /upstream=(\S+)/.exec(line)?.[1] ?? "").map((field) => field.replace(/,$/, ""));

describe("two mobile-bff instances behind nginx", () => {
  it("spreads requests over both instances", async () => {
    const { a, b, lb } = await fleet();
    for (let i = 0; i < 20; i++)
      expect(await statusOf(`${lb.url}/productdetails/p${(i % 24) + 1}`)).toBe(200);
    const served = upstreamsOf(await lb.accessLog());
    const hostOf = (target: RunningBff) => new URL(target.url).host;
    expect(served.filter((u) => u === hostOf(a)).length).toBeGreaterThan(2);
    expect(served.filter((u) => u === hostOf(b)).length).toBeGreaterThan(2);
  });

  it("loses no client request beyond the killed instance's in-flight ones when one is killed midway", async () => {
    const { a, b, lb } = await fleet();
    const concurrency = 6;
    const load = loadLoop(concurrency, (i) => statusOf(`${lb.url}/productdetails/p${(i % 24) + 1}`));
    await sleep(1500);
    const killedAt = performance.now();
    await a.stop("SIGKILL");
    const exitedAt = performance.now();
    await sleep(2500);
    const samples = await load.stop();

    const failed = samples.filter((s) => s.status !== 200);
    const after = samples.filter((s) => s.startedAt > exitedAt);
    // Only requests already in flight when the instance died may fail (nginx retries
    // most of those too: a reset before any answer goes to the other instance).
    const inFlightAtKill = (s: Sample) => s.startedAt <= exitedAt && s.endedAt >= killedAt;
    expect(failed.filter((s) => !inFlightAtKill(s))).toEqual([]);
    expect(failed.length).toBeLessThanOrEqual(concurrency);
    expect(after.length).toBeGreaterThan(50);
    expect(samples.length).toBeGreaterThan(100);

    // Both served before the kill; afterwards only the survivor answers.
    const lines = await lb.accessLog();
    const served = upstreamsOf(lines);
    expect(served).toContain(new URL(a.url).host);
    const last = upstreamsOf(lines.slice(-40));
    expect(last.every((u) => u === new URL(b.url).host)).toBe(true);
  }, 60_000);
});
