import amqp from "amqplib";
import { uniqueName } from "./unique-name.js";

/** The broker tests talk to: `AMQP_URL`, else the local RabbitMQ with the default guest account. */
export const BROKER_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

/** Host and port of {@link BROKER_URL}. */
export function brokerAddress(): { host: string; port: number } {
  const url = new URL(BROKER_URL);
  return { host: url.hostname, port: Number(url.port || 5672) };
}

/** {@link BROKER_URL} with its host and port replaced, e.g. to go through a `TcpProxy`. */
export function brokerUrlVia(port: number, host = "127.0.0.1"): string {
  const url = new URL(BROKER_URL);
  url.hostname = host;
  url.port = String(port);
  return url.toString();
}

/** Queue and exchange names of one test run, and the env that points the demo shop and a BFF at them. */
export interface BrokerNames {
  readonly queue: string;
  readonly exchange: string;
  /** `AMQP_SHIPPING_QUEUE` and `AMQP_EVENTS_EXCHANGE`. */
  readonly env: Record<string, string>;
}

/** A shipping queue and an events exchange no other test run uses. */
export function uniqueBrokerNames(): BrokerNames {
  const queue = uniqueName("shipping.quotes");
  const exchange = uniqueName("shop.events");
  return { queue, exchange, env: { AMQP_SHIPPING_QUEUE: queue, AMQP_EVENTS_EXCHANGE: exchange } };
}

/** Deletes a test run's queues and exchanges (the shared broker must not fill up with them). */
export async function deleteBrokerNames(names: {
  queues?: readonly string[];
  exchanges?: readonly string[];
}): Promise<void> {
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
