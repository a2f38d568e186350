import { randomUUID } from "node:crypto";
import { redisUrl, startTcpProxy, type TcpProxy } from "@portico/test-support";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createRedisConnection, redisReady } from "../cache/redis-connection.js";
import { waitUntil as until } from "../test-support/async.js";
import { type RedisPair, redisPair } from "../test-support/redis-pair.js";
import { FleetBus } from "./fleet-bus.js";
import { FleetReadGenerations } from "./fleet-generations.js";

// Instances of one fleet, each on its own connection, on a real Redis; each test under a prefix of its own.
let redis: RedisPair;
beforeAll(async () => {
  redis = await redisPair("portico-test:");
});
afterAll(() => redis?.close());

function instance(connection: Redis, prefix: string): { bus: FleetBus; generations: FleetReadGenerations } {
  const bus = new FleetBus({ redis: connection, keyPrefix: prefix });
  const generations = new FleetReadGenerations(bus);
  onTestFinished(() => {
    generations.close();
    bus.close();
  });
  return { bus, generations };
}

/**
 * A command connection that hangs on its way to Redis (through a black-holed
 * proxy, until the test forwards it), whose duplicates, the subscribed
 * connection among them, go straight there.
 */
async function commandsOnTheirWay(): Promise<{ proxy: TcpProxy; commands: Redis }> {
  const url = new URL(redisUrl());
  const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
  onTestFinished(() => proxy.close());
  await proxy.setMode("blackhole");
  const direct = createRedisConnection(redisUrl());
  const commands = createRedisConnection(`redis://${proxy.address}`, { commandTimeoutMs: 200 });
  commands.duplicate = (override) => direct.duplicate(override);
  onTestFinished(() => {
    commands.disconnect();
    direct.disconnect();
  });
  return { proxy, commands };
}

describe("the fleet's generations of reads", () => {
  it("moves every instance to a new generation of a service when one writes, and leaves the others' alone", async () => {
    const prefix = `portico-test:${randomUUID()}:`;
    const a = instance(redis.a, prefix);
    const b = instance(redis.b, prefix);
    const [cartA, cartB, catalogB] = [
      a.generations.current("cart"),
      b.generations.current("cart"),
      b.generations.current("catalog"),
    ];
    // Until each has read the fleet's generations, it reads in one of its own.
    expect(cartA.value).not.toBe(cartB.value);
    await Promise.all([a.bus.ready(2000), b.bus.ready(2000)]);
    expect(await until(() => cartA.value === "0" && cartB.value === "0", 2000)).toBeLessThan(2000);

    const written = a.generations.written("cart");
    // The writer's next read is in a new generation at once, before Redis has answered.
    expect(cartA.value).not.toBe("0");
    await written;
    expect(cartA.value).toBe("1");
    expect(await until(() => cartB.value === "1", 2000)).toBeLessThan(1000);
    expect(catalogB.value).toBe("0");

    // Two writes at once: once both have answered, every instance reads in the generation after both.
    await Promise.all([a.generations.written("cart"), a.generations.written("cart")]);
    expect(cartA.value).toBe("3");
    expect(await until(() => cartB.value === "3", 2000)).toBeLessThan(1000);

    // An instance that starts later reads in the fleet's generation too.
    const c = instance(redis.b, prefix);
    const cartC = c.generations.current("cart");
    await c.bus.ready(2000);
    expect(await until(() => cartC.value === "3", 2000)).toBeLessThan(2000);
    expect(c.generations.current("catalog").value).toBe("0");
  });

  it("keeps a write made while Redis is away to itself, and tells the fleet once Redis answers again", {
    timeout: 30_000,
  }, async () => {
    const prefix = `portico-test:${randomUUID()}:`;
    const url = new URL(redisUrl());
    const proxy: TcpProxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
    onTestFinished(() => proxy.close());
    const connection = createRedisConnection(`redis://${proxy.address}`, { commandTimeoutMs: 100 });
    onTestFinished(() => connection.disconnect());
    expect(await redisReady(connection, 3000)).toBe(true);
    const away = instance(connection, prefix);
    const other = instance(redis.b, prefix);
    const [cartAway, cartOther] = [away.generations.current("cart"), other.generations.current("cart")];
    await Promise.all([away.bus.ready(2000), other.bus.ready(2000)]);
    await until(() => cartAway.value === "0" && cartOther.value === "0", 2000);

    await proxy.setMode("refuse");
    const started = performance.now();
    await away.generations.written("cart");
    // Never waits on a Redis that is gone for longer than its command timeout.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(cartAway.value).not.toBe("0");
    expect(cartAway.value).toContain(away.bus.instanceId);
    expect(cartOther.value).toBe("0");

    await proxy.setMode("forward");
    // Reconnected: the write it made alone reaches the fleet, and both read in the new generation.
    expect(await until(() => cartOther.value === "1" && cartAway.value === "1", 10_000)).toBeLessThan(10_000);
  });

  it("reads the fleet's generations once the command connection is up, when the subscribed one came first", {
    timeout: 30_000,
  }, async () => {
    const prefix = `portico-test:${randomUUID()}:`;
    const other = instance(redis.b, prefix);
    await other.bus.ready(2000);
    await other.generations.written("cart");
    // The command connection hangs on its way to Redis; the subscribed one (its duplicate) goes straight there.
    const { proxy, commands } = await commandsOnTheirWay();
    const late = instance(commands, prefix);
    const cart = late.generations.current("cart");
    expect(await late.bus.ready(3000)).toBe(true);
    expect(commands.status).not.toBe("ready");
    await new Promise((resolve) => setTimeout(resolve, 300));

    await proxy.setMode("forward");
    expect(await redisReady(commands, 5000)).toBe(true);
    // Read then, not while it connected (which would have failed and cooled the bus down for 5 s).
    expect(await until(() => cart.value === "1", 3000)).toBeLessThan(3000);
    expect(late.bus.up).toBe(true);
  });

  it("waits for the command connection with one listener on it, and leaves none there once closed", {
    timeout: 30_000,
  }, async () => {
    const { commands } = await commandsOnTheirWay();
    const bus = new FleetBus({ redis: commands, keyPrefix: `portico-test:${randomUUID()}:` });
    let told = 0;
    bus.onReady(() => told++);
    expect(await bus.ready(3000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(commands.status).not.toBe("ready");
    // The bus waits for the command connection (ioredis's own listeners on it are counted too).
    const waiting = commands.listenerCount("ready");
    // Three more owners ask while the command connection is still on its way: no listener more.
    for (let i = 0; i < 3; i++) bus.onReady(() => told++);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(told).toBe(0);
    expect(commands.listenerCount("ready")).toBe(waiting);
    bus.close();
    expect(commands.listenerCount("ready")).toBe(waiting - 1);
  });

  it("tries again to tell the fleet of a write when Redis failed the command but stayed connected", {
    timeout: 30_000,
  }, async () => {
    const prefix = `portico-test:${randomUUID()}:`;
    const a = instance(redis.a, prefix);
    const b = instance(redis.b, prefix);
    const [cartA, cartB] = [a.generations.current("cart"), b.generations.current("cart")];
    await Promise.all([a.bus.ready(2000), b.bus.ready(2000)]);
    await until(() => cartA.value === "0" && cartB.value === "0", 2000);
    // The generations' key of the wrong type: Redis refuses the increment (WRONGTYPE).
    await redis.a.set(`${prefix}generations`, "not a hash");
    await a.generations.written("cart");
    expect(cartA.value).toContain(a.bus.instanceId);
    await redis.a.del(`${prefix}generations`);
    // No reconnect to wait for: a later try tells the fleet.
    expect(await until(() => cartB.value === "1" && cartA.value === "1", 20_000)).toBeLessThan(20_000);
  });
});
