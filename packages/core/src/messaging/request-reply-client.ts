import { randomUUID } from "node:crypto";
import type { ConsumeMessage, Message } from "amqplib";
import type { BrokerConnection, ManagedChannel } from "./broker-connection.js";
import { BrokerError } from "./messaging-errors.js";

/** RabbitMQ's direct reply-to pseudo-queue: replies come straight back on the requesting channel. */
export const DIRECT_REPLY_TO = "amq.rabbitmq.reply-to";

/** One request to send and wait for. */
export interface BrokerRequest {
  /** The queue of the service that answers. */
  readonly queue: string;
  readonly content: Buffer;
  /** AMQP headers (request id, trace context). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Stops waiting (the entry is dropped, the promise rejects with the
   * signal's reason). The only limit on the wait: pass one that fires, e.g.
   * the timeout policy's attempt signal.
   */
  readonly signal: AbortSignal;
  /** Per-message TTL: the broker drops a request nobody took in time instead of serving it late. */
  readonly ttlMs?: number;
}

/** The reply to a {@link BrokerRequest}. */
export interface BrokerReply {
  readonly content: Buffer;
  readonly headers: Readonly<Record<string, unknown>>;
}

interface Pending {
  resolve(reply: BrokerReply): void;
  reject(error: unknown): void;
}

/**
 * Request/reply over AMQP with direct reply-to: each request is published
 * to its queue with a fresh `correlationId` and `replyTo:
 * amq.rabbitmq.reply-to`, and the reply is matched back by that id. No
 * reply queue is declared, so nothing is left behind on the broker.
 *
 * Fails fast, never hangs on the broker: not connected → `BrokerError
 * ("unavailable")` at once; no queue to route to (mandatory publish
 * returned) → `"unroutable"`; connection lost while waiting → `"lost"`.
 */
export class RequestReplyClient {
  readonly #channel: ManagedChannel;
  readonly #pending = new Map<string, Pending>();

  constructor(broker: BrokerConnection, { name = "request-reply" }: { name?: string } = {}) {
    this.#channel = broker.channel({
      name,
      setup: async (channel) => {
        channel.on("return", (message: Message) => this.#returned(message));
        await channel.consume(DIRECT_REPLY_TO, (message) => this.#replied(message), { noAck: true });
      },
      onLost: (error) => this.#failAll(error),
    });
  }

  /** True while requests can be sent. */
  get ready(): boolean {
    return this.#channel.current !== undefined;
  }

  /** Requests waiting for their reply. */
  get pending(): number {
    return this.#pending.size;
  }

  request(request: BrokerRequest): Promise<BrokerReply> {
    const { signal } = request;
    if (signal.aborted) return Promise.reject(signal.reason);
    const channel = this.#channel.current;
    if (channel === undefined) return Promise.reject(new BrokerError("unavailable"));
    const correlationId = randomUUID();
    return new Promise<BrokerReply>((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(correlationId);
        reject(signal.reason);
      };
      const done = () => signal.removeEventListener("abort", onAbort);
      this.#pending.set(correlationId, {
        resolve: (reply) => {
          done();
          resolve(reply);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        // Returns false when the channel's buffer is full; the message is
        // still queued, and the bulkhead bounds how much can pile up.
        channel.sendToQueue(request.queue, request.content, {
          correlationId,
          replyTo: DIRECT_REPLY_TO,
          mandatory: true,
          contentType: "application/json",
          timestamp: Math.floor(Date.now() / 1000),
          ...(request.headers === undefined ? {} : { headers: request.headers }),
          ...(request.ttlMs === undefined
            ? {}
            : { expiration: String(Math.max(1, Math.ceil(request.ttlMs))) }),
        });
      } catch (error) {
        // The channel closed under us (amqplib throws IllegalOperationError).
        this.#settle(correlationId)?.reject(new BrokerError("unavailable", error));
      }
    });
  }

  /** Closes the channel; requests still waiting fail with `"lost"`. */
  async close(): Promise<void> {
    this.#failAll(new Error("closed"));
    await this.#channel.close();
  }

  #replied(message: ConsumeMessage | null): void {
    if (message === null) return; // consumer cancelled: the channel is going, onLost follows
    const id = message.properties.correlationId;
    if (typeof id !== "string") return;
    const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
    // A late reply (its caller gave up) finds no entry and is dropped.
    this.#settle(id)?.resolve({ content: message.content, headers });
  }

  #returned(message: Message): void {
    const id = message.properties.correlationId;
    if (typeof id === "string") this.#settle(id)?.reject(new BrokerError("unroutable"));
  }

  #settle(id: string): Pending | undefined {
    const entry = this.#pending.get(id);
    this.#pending.delete(id);
    return entry;
  }

  #failAll(cause: unknown): void {
    const lost = [...this.#pending.values()];
    this.#pending.clear();
    for (const entry of lost) entry.reject(new BrokerError("lost", cause));
  }
}
