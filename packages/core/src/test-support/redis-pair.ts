import { redisUrl, requireRedis } from "@portico/test-support";
import type { Redis } from "ioredis";
import { createRedisConnection, redisReady } from "../cache/redis-connection.js";

/** Two connections to the test Redis, as two gateway instances hold them. */
export interface RedisPair {
  readonly a: Redis;
  readonly b: Redis;
  /** Deletes every key under the pair's prefix and disconnects both. */
  close(): Promise<void>;
}

/** Connects two clients to the test Redis (failing clearly without one); keys go under `prefix`. */
export async function redisPair(prefix: string): Promise<RedisPair> {
  await requireRedis();
  const a = createRedisConnection(redisUrl(), { commandTimeoutMs: 1000 });
  const b = createRedisConnection(redisUrl(), { commandTimeoutMs: 1000 });
  for (const client of [a, b]) {
    if (!(await redisReady(client, 3000))) throw new Error(`Redis at ${redisUrl()} did not become ready`);
  }
  return {
    a,
    b,
    async close() {
      const keys = await a.keys(`${prefix}*`);
      if (keys.length > 0) await a.del(...keys);
      a.disconnect();
      b.disconnect();
    },
  };
}
