import { randomBytes } from "node:crypto";
import net from "node:net";
import amqp from "amqplib";

/** The broker the tests use: `AMQP_URL`, else the local RabbitMQ with the guest account. */
export const BROKER_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

export function brokerAddress(): { host: string; port: number } {
  const url = new URL(BROKER_URL);
  return { host: url.hostname, port: Number(url.port || 5672) };
}

/** The broker URL reached through another address (a {@link TcpProxy}'s `host:port`). */
export function brokerUrlVia(address: string): string {
  const url = new URL(BROKER_URL);
  url.host = address;
  return url.toString();
}

/**
 * Whether broker tests can run. Skipped when nothing answers on the broker's
 * port, unless `PORTICO_REQUIRE_BROKER=1` (set by `.ci/run`): then they run
 * and fail, so CI can never pass without the broker.
 */
export async function brokerReachable(): Promise<boolean> {
  if (process.env.PORTICO_REQUIRE_BROKER === "1") return true;
  const { host, port } = brokerAddress();
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

/** Queue and exchange names of this test run only, so parallel runs never share them. */
export function uniqueBrokerNames(): { queue: string; exchange: string; env: Record<string, string> } {
  const suffix = randomBytes(6).toString("hex");
  const queue = `portico.test.shipping.quotes.${suffix}`;
  const exchange = `portico.test.shop.events.${suffix}`;
  return { queue, exchange, env: { AMQP_SHIPPING_QUEUE: queue, AMQP_EVENTS_EXCHANGE: exchange } };
}

/** Deletes a test run's queues and exchanges (the shared broker must not fill up with them). */
export async function deleteBrokerNames(names: { queues?: string[]; exchanges?: string[] }): Promise<void> {
  const connection = await amqp.connect(BROKER_URL).catch(() => undefined);
  if (connection === undefined) return;
  try {
    for (const queue of names.queues ?? []) {
      const channel = await connection.createChannel();
      await channel.deleteQueue(queue).catch(() => {});
      await channel.close().catch(() => {});
    }
    for (const exchange of names.exchanges ?? []) {
      const channel = await connection.createChannel();
      await channel.deleteExchange(exchange).catch(() => {});
      await channel.close().catch(() => {});
    }
  } finally {
    await connection.close().catch(() => {});
  }
}

/** Resident memory of a process in bytes (Linux `/proc/<pid>/status`, VmRSS). */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** Polls `check` until it returns true (or a value), failing after `ms`. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  ms = 10_000,
  what = "condition",
): Promise<NonNullable<T>> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) {
      throw new Error(`${what} not met within ${ms} ms${last ? `: ${String(last)}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
