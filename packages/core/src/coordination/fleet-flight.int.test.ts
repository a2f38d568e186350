import { randomUUID } from "node:crypto";
import { redisUrl, startTcpProxy, type TcpProxy } from "@portico/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRedisConnection, redisReady } from "../cache/redis-connection.js";
import { Cancellation } from "../cancellation.js";
import { ClientClosedError } from "../errors/index.js";
import { deferred, sleep } from "../test-support/async.js";
import { type RedisPair, redisPair } from "../test-support/redis-pair.js";
import { FleetBus } from "./fleet-bus.js";
import { FleetFlight } from "./fleet-flight.js";

// Two "instances" (two connections, two buses) on a real Redis, under a prefix of this run.
const PREFIX = `portico-test:${randomUUID()}:`;
let redis: RedisPair;
let busA: FleetBus;
let busB: FleetBus;
let a: FleetFlight;
let b: FleetFlight;
const closing: (() => void)[] = [];

beforeAll(async () => {
  redis = await redisPair(PREFIX);
  busA = new FleetBus({ redis: redis.a, keyPrefix: PREFIX });
  busB = new FleetBus({ redis: redis.b, keyPrefix: PREFIX });
  a = new FleetFlight(busA);
  b = new FleetFlight(busB);
});

afterEach(() => {
  for (const close of closing.splice(0)) close();
});

afterAll(async () => {
  busA?.close();
  busB?.close();
  await redis?.close();
});

const accept = (value: unknown) => (typeof value === "object" && value !== null ? value : undefined);

/** A call that settles when the test says, counting how often it was made. */
function scriptedCall<T>() {
  const made: number[] = [];
  const ends: ReturnType<typeof deferred<T>>[] = [];
  return {
    made,
    ends,
    call: () => {
      made.push(performance.now());
      const end = deferred<T>();
      ends.push(end);
      return end.promise;
    },
  };
}

/** Instance A starts a flight for `key`; 50 ms later instance B asks for the same. */
async function twoCallers(key: string, stop = new Cancellation()) {
  const holder = scriptedCall<unknown>();
  const joiner = scriptedCall<unknown>();
  const first = a.run(key, 2000, new Cancellation(), holder.call, accept);
  await sleep(50);
  const second = b.run(key, 2000, stop, joiner.call, accept);
  await sleep(50);
  return { holder, joiner, first, second };
}

describe("FleetFlight", () => {
  it("makes one call for two instances: the second takes the first's answer", async () => {
    const { holder, joiner, first, second } = await twoCallers("GET catalog /products/p1");
    holder.ends[0]?.resolve({ id: "p1", name: "Trail shoe" });
    await expect(first).resolves.toEqual({ id: "p1", name: "Trail shoe" });
    await expect(second).resolves.toEqual({ id: "p1", name: "Trail shoe" });
    expect(holder.made).toHaveLength(1);
    expect(joiner.made).toHaveLength(0);
    // Landed: the key is gone, so the next caller makes a call of its own.
    expect(await redis.a.exists(`${PREFIX}flight:GET catalog /products/p1`)).toBe(0);
  });

  it("makes its own call when the holder's call fails", async () => {
    const { holder, joiner, first, second } = await twoCallers("GET catalog /products/p2");
    holder.ends[0]?.reject(new Error("upstream 500"));
    await expect(first).rejects.toThrow("upstream 500");
    await eventuallyMade(joiner.made, 1);
    joiner.ends[0]?.resolve({ id: "p2" });
    await expect(second).resolves.toEqual({ id: "p2" });
  });

  it("makes its own call when the answer does not pass its own validation", async () => {
    const { holder, joiner, first, second } = await twoCallers("GET catalog /products/p3");
    holder.ends[0]?.resolve("not an object");
    await first;
    await eventuallyMade(joiner.made, 1);
    joiner.ends[0]?.resolve({ id: "p3" });
    await expect(second).resolves.toEqual({ id: "p3" });
  });

  it("stops waiting after its wait and calls itself when the holder never answers (it died)", async () => {
    const holder = scriptedCall<object>();
    const joiner = scriptedCall<object>();
    void a.run("GET catalog /products/p4", 5000, new Cancellation(), holder.call, accept).catch(() => {});
    await sleep(50);
    const started = performance.now();
    const second = b.run("GET catalog /products/p4", 300, new Cancellation(), joiner.call, accept);
    await eventuallyMade(joiner.made, 1);
    const waited = (joiner.made[0] as number) - started;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(2000);
    joiner.ends[0]?.resolve({ id: "p4" });
    await expect(second).resolves.toEqual({ id: "p4" });
    holder.ends[0]?.resolve({ id: "p4" });
  });

  it("gives up waiting when its caller goes away", async () => {
    const stop = new Cancellation();
    const { holder, joiner, first, second } = await twoCallers("GET catalog /products/p5", stop);
    stop.abort(new ClientClosedError());
    await expect(second).rejects.toBeInstanceOf(ClientClosedError);
    expect(joiner.made).toHaveLength(0);
    holder.ends[0]?.resolve({ id: "p5" });
    await first;
  });
});

describe("FleetFlight with Redis away", () => {
  let proxy: TcpProxy;

  beforeAll(async () => {
    const url = new URL(redisUrl());
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it("calls alone, waiting no longer than REDIS_TIMEOUT_MS on a Redis that hangs, then at once", async () => {
    const connection = createRedisConnection(`redis://${proxy.address}`, { commandTimeoutMs: 50 });
    const bus = new FleetBus({ redis: connection, keyPrefix: PREFIX });
    closing.push(() => {
      bus.close();
      connection.disconnect();
    });
    expect(await redisReady(connection, 3000)).toBe(true);
    const flight = new FleetFlight(bus);
    await proxy.setMode("blackhole");
    const call = scriptedCall<object>();
    const started = performance.now();
    const answer = flight.run("GET catalog /products/p6", 2000, new Cancellation(), call.call, accept);
    await eventuallyMade(call.made, 1);
    expect((call.made[0] as number) - started).toBeLessThan(500);
    call.ends[0]?.resolve({ id: "p6" });
    await expect(answer).resolves.toEqual({ id: "p6" });
    // Still hanging: the next calls do not wait again (a 5 s cool-down after a failed command).
    const cooled = scriptedCall<object>();
    const at = performance.now();
    const quick = flight.run("GET catalog /products/p6", 2000, new Cancellation(), cooled.call, accept);
    expect(cooled.made).toHaveLength(1);
    expect((cooled.made[0] as number) - at).toBeLessThan(20);
    cooled.ends[0]?.resolve({ id: "p6" });
    await quick;
    // Refused outright: the connection is down, and nothing is even tried.
    await proxy.setMode("refuse");
    await sleep(100);
    const next = scriptedCall<object>();
    const before = performance.now();
    const again = flight.run("GET catalog /products/p6", 2000, new Cancellation(), next.call, accept);
    expect(next.made).toHaveLength(1);
    expect((next.made[0] as number) - before).toBeLessThan(20);
    next.ends[0]?.resolve({ id: "p6" });
    await expect(again).resolves.toEqual({ id: "p6" });
    await proxy.setMode("forward");
  });
});

async function eventuallyMade(made: readonly number[], count: number): Promise<void> {
  for (let i = 0; i < 200 && made.length < count; i++) await sleep(10);
  expect(made).toHaveLength(count);
}
