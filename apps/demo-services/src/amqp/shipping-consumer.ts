import type { Channel, ConsumeMessage } from "amqplib";
import type { FaultState } from "../faults/fault-state.js";
import { isValidId } from "../ids.js";
import type { RequestRecorder } from "../recording/request-recorder.js";
import type { DemoStore } from "../store/demo-store.js";
import type { AmqpLink, LinkedChannel } from "./amqp-link.js";

/** The answer to one shipping request, as HTTP would give it. */
export interface QuoteAnswer {
  readonly status: number;
  /** JSON text, or (for the `malformed` fault) deliberately not JSON. */
  readonly body: string;
}

/**
 * `GET /quotes?productId=` as a message: `{"productId":"p1"}` in, the same
 * status and body as the HTTP service out.
 */
export function answerQuote(store: DemoStore, content: Buffer): QuoteAnswer {
  let request: unknown;
  try {
    request = JSON.parse(content.toString("utf8"));
  } catch {
    return badRequest("the body must be JSON");
  }
  const productId = (request as { productId?: unknown } | null)?.productId;
  if (!isValidId(productId)) return badRequest('"productId" must be an id matching ^[A-Za-z0-9_-]{1,64}$');
  const options = store.seed.shipping[productId];
  if (!options) return { status: 404, body: JSON.stringify({ error: "not_found" }) };
  return { status: 200, body: JSON.stringify({ options }) };
}

function badRequest(detail: string): QuoteAnswer {
  return { status: 400, body: JSON.stringify({ error: "bad_request", detail }) };
}

const MALFORMED_BODY = '{"options": [{"method": "standard"';

export interface ShippingConsumerOptions {
  readonly link: AmqpLink;
  readonly queue: string;
  readonly store: DemoStore;
  /** The shipping service's faults: they apply to its queue as to its port. */
  readonly faults?: FaultState;
  readonly recorder?: RequestRecorder;
}

/**
 * The shipping service's AMQP face (`SHIPPING_TRANSPORT=amqp`): consumes
 * `shipping.quotes` and replies to `replyTo` with the request's
 * `correlationId`, the HTTP status in the `status` header and the HTTP body.
 * The queue is non-durable and auto-deleted with its last consumer, so
 * while no demo serves it, requests are returned to the sender at once.
 */
export class ShippingConsumer {
  readonly #options: ShippingConsumerOptions;
  readonly #channel: LinkedChannel;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: ShippingConsumerOptions) {
    this.#options = options;
    this.#channel = options.link.channel(async (channel) => {
      await channel.assertQueue(options.queue, { durable: false, autoDelete: true });
      await channel.consume(options.queue, (message) => this.#handle(channel, message), { noAck: true });
    });
  }

  get ready(): boolean {
    return this.#channel.current !== undefined;
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #handle(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) return;
    const { replyTo, correlationId } = message.properties as { replyTo?: unknown; correlationId?: unknown };
    this.#record(message);
    if (typeof replyTo !== "string" || replyTo === "") return; // nobody to answer
    const reply = (answer: QuoteAnswer) => {
      try {
        channel.sendToQueue(replyTo, Buffer.from(answer.body), {
          contentType: "application/json",
          headers: { status: answer.status },
          ...(typeof correlationId === "string" ? { correlationId } : {}),
        });
      } catch {
        // The channel closed meanwhile: the requester has already been told the link was lost.
      }
    };
    const faults = this.#options.faults;
    if (faults?.current?.mode === "refuse") return;
    const fault = faults?.forRequest("/quotes") ?? null;
    const answer = () => answerQuote(this.#options.store, message.content);
    switch (fault?.mode) {
      case undefined:
        reply(answer());
        return;
      case "delay": {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          reply(answer());
        }, fault.ms);
        this.#timers.add(timer);
        return;
      }
      case "error":
        reply({
          status: fault.status,
          body: JSON.stringify({ error: "injected_fault", status: fault.status }),
        });
        return;
      case "malformed":
        reply({ status: 200, body: MALFORMED_BODY });
        return;
      case "wrong-shape":
        reply({
          status: 200,
          body: JSON.stringify(fault.body === undefined ? { unexpected: true } : fault.body),
        });
        return;
      default:
        // hang, reset, reset-after-commit, refuse: over a queue these all mean
        // "no reply"; the request expires.
        return;
    }
  }

  #record(message: ConsumeMessage): void {
    const recorder = this.#options.recorder;
    if (recorder === undefined) return;
    const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
    let query = "";
    try {
      const productId = (JSON.parse(message.content.toString("utf8")) as { productId?: unknown }).productId;
      if (typeof productId === "string") query = new URLSearchParams({ productId }).toString();
    } catch {
      query = "";
    }
    const text = (value: unknown) => (typeof value === "string" ? value : null);
    recorder.record({
      service: "shipping",
      method: "AMQP",
      path: "/quotes",
      query,
      requestId: text(headers["x-request-id"]),
      traceparent: text(headers.traceparent),
      idempotencyKey: null,
      at: new Date().toISOString(),
    });
    recorder.stats("shipping").total++;
  }
}
