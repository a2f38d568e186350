import net from "node:net";
import type { Redis } from "ioredis";
import { createRedisConnection, redisReady } from "../../cache/redis-connection.js";

/** etcd for tests: `ETCD_ENDPOINTS` (as `.ci/run` exports it) or the default client port. */
export function etcdEndpoint(): string {
  return (
    (process.env.ETCD_ENDPOINTS ?? "http://127.0.0.1:2379").split(",")[0]?.trim().replace(/\/+$/, "") ?? ""
  );
}

/** Redis for tests: `REDIS_URL` or the machine's Redis on 127.0.0.1:6379. */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
}

/** Host and port of an `http://` or `redis://` URL. */
export function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

/**
 * Fails the suite with a clear line when a real server it needs is not
 * listening: these tests are never skipped silently.
 */
export async function requireServer(what: string, url: string, hint: string): Promise<void> {
  const { host, port } = hostPort(url);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
  if (!reachable) throw new Error(`${what} is not reachable at ${url}: ${hint}`);
}

export const requireEtcd = () =>
  requireServer("etcd", etcdEndpoint(), "start it (.ci/run does) or point ETCD_ENDPOINTS at one");
export const requireRedis = () =>
  requireServer("Redis", redisUrl(), "start it (.ci/run does) or point REDIS_URL at one");

/** A loopback port nothing listens on (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

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
