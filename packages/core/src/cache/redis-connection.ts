import type { Redis } from "ioredis";
import { lazyRequire } from "../lazy-require.js";

// Loaded with the first connection: a BFF without `REDIS_URL` never pays for ioredis.
const ioredis = lazyRequire<typeof import("ioredis")>("ioredis");

export interface RedisConnectionOptions {
  /**
   * Longest a command may take (`REDIS_TIMEOUT_MS`); past it, it fails and
   * the caller degrades (`REDIS_TIMEOUT_MS`, 50 ms by default): a hanging Redis never holds a request longer.
   */
  commandTimeoutMs?: number;
  /**
   * Told once each time the connection is lost or cannot be made (logs;
   * not on every reconnect attempt). Errors are otherwise swallowed: Redis is optional.
   */
  onDown?: (error: unknown) => void;
  /** Told when the connection is back after `onDown`. */
  onUp?: () => void;
}

/**
 * A Redis connection for shared gateway state (caches, rate-limit counters)
 * that fails fast instead of queueing: no offline queue (a command while
 * disconnected fails at once), no per-command retries, a bounded command
 * timeout, and reconnects in the background every 200 ms to 2 s. Every
 * user of it must treat a failed command as "Redis is down" and degrade.
 */
export function createRedisConnection(url: string, options: RedisConnectionOptions = {}): Redis {
  const { commandTimeoutMs = 250, onDown, onUp } = options;
  const { Redis } = ioredis();
  const client = new Redis(url, {
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(1000, commandTimeoutMs * 4),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(200 * times, 2000),
    // Connection names show up in `CLIENT LIST`: helps an operator see the fleet.
    connectionName: "portico",
  });
  // Without a listener, ioredis prints every failed reconnect; Redis being down is handled by degrading.
  let down = false;
  client.on("error", (error: unknown) => {
    if (down) return;
    down = true;
    onDown?.(error);
  });
  client.on("ready", () => {
    if (!down) return;
    down = false;
    onUp?.();
  });
  return client;
}

/**
 * Resolves when `client` is connected, or after `waitMs` (never rejects):
 * start-up waits a moment for Redis, but never depends on it.
 */
export function redisReady(client: Redis, waitMs: number): Promise<boolean> {
  if (client.status === "ready") return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off("ready", onReady);
      client.off("end", onEnd);
      resolve(ready);
    };
    const onReady = () => done(true);
    const onEnd = () => done(false);
    const timer = setTimeout(() => done(false), waitMs);
    client.once("ready", onReady);
    client.once("end", onEnd);
  });
}
