import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { BROKER_URL } from "./broker.js";

/** etcd for tests: the first of `ETCD_ENDPOINTS` (as `npm run check` exports it), else the default client port. */
export function etcdEndpoint(): string {
  const first = (process.env.ETCD_ENDPOINTS ?? "http://127.0.0.1:2379").split(",")[0] ?? "";
  return first.trim().replace(/\/+$/, "");
}

/** Redis for tests: `REDIS_URL`, else the machine's Redis on 127.0.0.1:6379. */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  "http:": 80,
  "https:": 443,
  "redis:": 6379,
  "amqp:": 5672,
};

/** Host and port of a URL (`http`, `redis`, `amqp`), the scheme's default port when it names none. */
export function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || DEFAULT_PORTS[parsed.protocol] || 0) };
}

/** Whether something accepts TCP connections at the URL's host and port (within 2 s). */
export function acceptsConnections(url: string): Promise<boolean> {
  const { host, port } = hostPort(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}

/** The URL without its credentials, for an error message. */
function shown(url: string): string {
  const parsed = new URL(url);
  parsed.username = "";
  parsed.password = "";
  return parsed.toString().replace(/\/$/, "");
}

/**
 * Fails with one clear line when a real server a test needs does not
 * accept connections: such tests are never skipped. Call it in `beforeAll`.
 */
export async function requireServer(what: string, url: string, hint: string): Promise<void> {
  if (!(await acceptsConnections(url))) throw new Error(`${what} is not reachable at ${shown(url)}: ${hint}`);
}

const hint = (variable: string) => `start it (npm run check does) or point ${variable} at one`;

/** Fails clearly unless etcd ({@link etcdEndpoint}) accepts connections. */
export function requireEtcd(): Promise<void> {
  return requireServer("etcd", etcdEndpoint(), hint("ETCD_ENDPOINTS"));
}

/** Fails clearly unless Redis ({@link redisUrl}) accepts connections. */
export function requireRedis(): Promise<void> {
  return requireServer("Redis", redisUrl(), hint("REDIS_URL"));
}

/** Fails clearly unless RabbitMQ ({@link BROKER_URL}) accepts connections. */
export function requireBroker(): Promise<void> {
  return requireServer("RabbitMQ", BROKER_URL, hint("AMQP_URL"));
}

/**
 * The Chromium a browser test drives: `PORTICO_BROWSER`, else Debian's
 * /usr/bin/chromium; throws a clear error when it is not there.
 */
export function requireBrowser(): string {
  const browser = process.env.PORTICO_BROWSER || "/usr/bin/chromium";
  if (!existsSync(browser)) {
    throw new Error(
      `Chromium is not installed at ${browser}: apt-get install -y chromium (npm run check does), or point PORTICO_BROWSER at one`,
    );
  }
  return browser;
}

/**
 * The nginx a fleet test starts: `PORTICO_NGINX` (a path), else `nginx` on
 * the PATH, else /usr/sbin/nginx; throws a clear error when there is none.
 */
export function requireNginx(): string {
  const candidates = [
    process.env.PORTICO_NGINX,
    ...(process.env.PATH ?? "").split(path.delimiter).map((dir) => path.join(dir, "nginx")),
    "/usr/sbin/nginx",
    "/usr/local/sbin/nginx",
  ].filter((candidate): candidate is string => candidate !== undefined && candidate !== "");
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new Error(
      "nginx is not installed: apt-get install -y nginx (npm run check does), or point PORTICO_NGINX at one",
    );
  }
  return found;
}
