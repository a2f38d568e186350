import { randomBytes } from "node:crypto";
import net from "node:net";

/** The broker tests talk to: `AMQP_URL`, else the local RabbitMQ with the default guest account. */
export const BROKER_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

/** Host and port of {@link BROKER_URL}. */
export function brokerAddress(): { host: string; port: number } {
  const url = new URL(BROKER_URL);
  return { host: url.hostname, port: Number(url.port || 5672) };
}

/**
 * Whether the broker accepts TCP connections. Broker tests are skipped when
 * it does not, unless `PORTICO_REQUIRE_BROKER=1` (CI sets it): then they run
 * and fail, so a missing broker can never pass CI silently.
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

/** A queue or exchange name no other test run uses. */
export function uniqueName(prefix: string): string {
  return `portico.test.${prefix}.${randomBytes(6).toString("hex")}`;
}

/** The broker URL with its host and port replaced, e.g. to go through a proxy. */
export function brokerUrlVia(port: number, host = "127.0.0.1"): string {
  const url = new URL(BROKER_URL);
  url.hostname = host;
  url.port = String(port);
  return url.toString();
}
