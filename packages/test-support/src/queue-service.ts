import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from "amqplib";
import { BROKER_URL } from "./broker.js";

/** What a {@link QueueService} replies to one request: a JSON body and, optionally, headers. */
export interface QueueReply {
  readonly body: unknown;
  readonly headers?: Record<string, unknown>;
}

/** Options of {@link startQueueService}. */
export interface QueueServiceOptions {
  /** Queues whose requests are answered (asserted non-durable, auto-delete). */
  readonly queues?: readonly string[];
  /** Queues whose requests are taken and never answered: a service that hangs. */
  readonly silentQueues?: readonly string[];
  /** The reply to a request on one of `queues`, given its JSON body; default `{}`. */
  readonly answer?: (request: unknown, message: ConsumeMessage) => QueueReply;
}

/** The far side of a request/reply test: a plain amqplib consumer playing a service. */
export interface QueueService {
  readonly connection: ChannelModel;
  readonly channel: Channel;
  close(): Promise<void>;
}

/**
 * Connects to {@link BROKER_URL} and serves `queues` the way the demo shop
 * serves shipping: each request is answered on its `replyTo` with its
 * `correlationId`.
 */
export async function startQueueService({
  queues = [],
  silentQueues = [],
  answer = () => ({ body: {} }),
}: QueueServiceOptions): Promise<QueueService> {
  const connection = await amqp.connect(BROKER_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of [...queues, ...silentQueues]) {
      await channel.assertQueue(queue, { durable: false, autoDelete: true });
    }
    for (const queue of silentQueues) await channel.consume(queue, () => {}, { noAck: true });
    for (const queue of queues) {
      await channel.consume(
        queue,
        (message) => {
          if (message === null) return;
          const { body, headers } = answer(JSON.parse(message.content.toString()) as unknown, message);
          channel.sendToQueue(message.properties.replyTo as string, Buffer.from(JSON.stringify(body)), {
            correlationId: message.properties.correlationId as string,
            ...(headers === undefined ? {} : { headers }),
          });
        },
        { noAck: true },
      );
    }
    return { connection, channel, close: () => connection.close().catch(() => {}) };
  } catch (error) {
    await connection.close().catch(() => {});
    throw error;
  }
}
