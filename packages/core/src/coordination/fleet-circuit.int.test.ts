import { randomUUID } from "node:crypto";
import { redisUrl, startTcpProxy, type TcpProxy } from "@portico/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRedisConnection, redisReady } from "../cache/redis-connection.js";
import type { PolicyContext } from "../context.js";
import { CircuitOpenError, UpstreamStatusError } from "../errors/index.js";
import { type CircuitBreakerPolicy, circuitBreakerPolicy } from "../resilience/circuit-breaker-policy.js";
import { isServiceFailure } from "../resilience/failures.js";
import { sleep, waitUntil as until } from "../test-support/async.js";
import { type RedisPair, redisPair } from "../test-support/redis-pair.js";
import { FleetBus } from "./fleet-bus.js";
import { fleetCircuit } from "./fleet-circuit.js";

// Two breakers of one service, each on its own connection (two instances), on a real Redis.
const OPEN_MS = 600;
let redis: RedisPair;
const cleanup: (() => void)[] = [];

beforeAll(async () => {
  redis = await redisPair("portico-test:");
});

afterEach(() => {
  for (const each of cleanup.splice(0)) each();
});

afterAll(() => redis?.close());

function breakerOn(bus: FleetBus): CircuitBreakerPolicy {
  const breaker = circuitBreakerPolicy({
    service: "reviews",
    windowMs: 10_000,
    minRequests: 3,
    errorPct: 50,
    openMs: OPEN_MS,
    isFailure: isServiceFailure,
    fleet: fleetCircuit(bus, { service: "reviews", trialTtlMs: 5000 }),
  });
  cleanup.push(() => breaker.dispose());
  return breaker;
}

function busOf(connection: RedisPair["a"], prefix: string): FleetBus {
  const bus = new FleetBus({ redis: connection, keyPrefix: prefix });
  cleanup.push(() => bus.close());
  return bus;
}

const ctx = (): PolicyContext => ({
  signal: new AbortController().signal,
  deadline: performance.now() + 60_000,
});
const fail = (breaker: CircuitBreakerPolicy) =>
  breaker
    .execute(async () => {
      throw new UpstreamStatusError("reviews", 500);
    }, ctx())
    .catch((error: unknown) => error);

describe("one circuit for the fleet", () => {
  it("opens on the other instance within a second, and one trial closes both", async () => {
    const prefix = `portico-test:${randomUUID()}:`;
    const [busA, busB] = [busOf(redis.a, prefix), busOf(redis.b, prefix)];
    await Promise.all([busA.ready(2000), busB.ready(2000)]);
    const [a, b] = [breakerOn(busA), breakerOn(busB)];
    await sleep(50);
    for (let i = 0; i < 3; i++) await fail(a);
    expect(a.state).toBe("open");
    expect(await until(() => b.state === "open", 2000)).toBeLessThan(1000);
    // B short-circuits though it never saw a failure, with the fleet's Retry-After.
    const refused = await b.execute(async () => "called", ctx()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(b.snapshot().failures).toBe(0);

    // Half-open on both: one instance holds the fleet's trial, the other short-circuits.
    await until(() => a.state === "half-open" && b.state === "half-open", 3000);
    await sleep(50);
    let called = 0;
    const trial = () =>
      new Promise<string>((resolve) => {
        called++;
        setTimeout(() => resolve("ok"), 200);
      });
    const outcomes = await Promise.all(
      [a, b, a, b].map((each) => each.execute(trial, ctx()).catch((e) => e)),
    );
    expect(called).toBe(1);
    expect(outcomes.filter((outcome) => outcome === "ok")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome instanceof CircuitOpenError)).toHaveLength(3);
    expect(await until(() => a.state === "closed" && b.state === "closed", 2000)).toBeLessThan(1000);
  });

  it("acts alone when Redis is away: its own window opens it, its own trial closes it", async () => {
    const url = new URL(redisUrl());
    const proxy: TcpProxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
    cleanup.push(() => void proxy.close());
    const connection = createRedisConnection(`redis://${proxy.address}`, { commandTimeoutMs: 50 });
    cleanup.push(() => connection.disconnect());
    expect(await redisReady(connection, 3000)).toBe(true);
    const alone = breakerOn(busOf(connection, `portico-test:${randomUUID()}:`));
    await proxy.setMode("refuse");
    await sleep(100);
    for (let i = 0; i < 3; i++) await fail(alone);
    expect(alone.state).toBe("open");
    await until(() => alone.state === "half-open", 3000);
    await expect(alone.execute(async () => "ok", ctx())).resolves.toBe("ok");
    expect(alone.state).toBe("closed");
  });
});
