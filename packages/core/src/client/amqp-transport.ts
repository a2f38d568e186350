import type { LoadBalancer } from "../discovery/load-balancer.js";
import type { ServiceInstance } from "../discovery/service-registry.js";
import {
  ClientClosedError,
  GatewayError,
  isGatewayError,
  UpstreamBadResponseError,
  UpstreamConnectionError,
} from "../errors/index.js";
import type { BrokerReply, BrokerRequest } from "../messaging/request-reply-client.js";
import type { Transport, TransportRequest, TransportResponse, WriteRequest } from "./transport.js";

/** What the transport needs of a request/reply client (`RequestReplyClient` is one). */
export interface BrokerRequester {
  request(request: BrokerRequest): Promise<BrokerReply>;
  close(): Promise<void>;
}

/** Options of {@link AmqpTransport}. */
export interface AmqpTransportOptions {
  readonly client: BrokerRequester;
  /**
   * Which queue answers which path, e.g. `{ "/quotes": "shipping.quotes" }`.
   * The request's query becomes the message body: `GET /quotes?productId=p1`
   * is `{"productId":"p1"}` on `shipping.quotes`.
   */
  readonly routes: Readonly<Record<string, string>>;
  /** Per-message TTL, so a request nobody took in time is dropped, not served late. Default 10000 ms. */
  readonly messageTtlMs?: number;
  /** Largest reply body accepted, in bytes. Default 8 MiB. */
  readonly maxBodyBytes?: number;
}

/**
 * A {@link Transport} over AMQP request/reply, so a service client does not
 * care whether its service speaks HTTP or AMQP: the same timeout, retry,
 * breaker, bulkhead and fallbacks apply. The reply's `status` header (a
 * number, default 200) plays the HTTP status; its body is the JSON answer.
 * The caller's signal stops the wait; a broker that is down or has no
 * queue for the request is a connection error at once (retryable, counted
 * by the breaker), never a hang.
 */
export class AmqpTransport implements Transport {
  readonly #options: AmqpTransportOptions;

  constructor(options: AmqpTransportOptions) {
    this.#options = options;
  }

  async get(request: TransportRequest): Promise<TransportResponse> {
    const queue = this.#options.routes[request.path];
    if (queue === undefined) {
      // A programming error (a path no queue serves), not a fault of the service.
      throw new GatewayError("INTERNAL", `No queue serves ${request.service} ${request.path}`, {
        service: request.service,
      });
    }
    const headers: Record<string, string> = {};
    for (const name of ["x-request-id", "traceparent"]) {
      const value = request.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    let reply: BrokerReply;
    try {
      reply = await this.#options.client.request({
        queue,
        content: Buffer.from(JSON.stringify(request.query ?? {})),
        headers,
        signal: request.signal,
        ttlMs: this.#options.messageTtlMs ?? 10_000,
      });
    } catch (error) {
      if (request.signal.aborted) throw new ClientClosedError();
      if (isGatewayError(error) && error.code === "BROKER_UNAVAILABLE") {
        throw new UpstreamConnectionError(request.service, true, error);
      }
      throw new UpstreamConnectionError(request.service, false, error);
    }
    const status = statusOf(reply.headers.status);
    if (status === undefined)
      throw new UpstreamBadResponseError(request.service, "reply without a valid status");
    if (status < 200 || status >= 300) return { status, body: undefined };
    if (reply.content.length > (this.#options.maxBodyBytes ?? 8 * 1024 * 1024)) {
      throw new UpstreamBadResponseError(request.service, "reply too large");
    }
    try {
      return { status, body: JSON.parse(reply.content.toString("utf8")) as unknown };
    } catch (error) {
      throw new UpstreamBadResponseError(request.service, "malformed JSON", error);
    }
  }

  /** Writes are not served over the broker: only request/reply reads are (contract section 3). */
  async send(request: WriteRequest): Promise<TransportResponse> {
    throw new GatewayError(
      "INTERNAL",
      `The ${request.service} service takes no writes over AMQP (${request.method} ${request.path})`,
      { service: request.service },
    );
  }

  async close(): Promise<void> {
    await this.#options.client.close();
  }
}

/** The AMQP `status` header as an HTTP status; absent means 200. */
function statusOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return 200;
  const status = typeof value === "string" && /^\d{3}$/.test(value) ? Number(value) : value;
  return typeof status === "number" && Number.isInteger(status) && status >= 100 && status <= 599
    ? status
    : undefined;
}

/**
 * The "instance" of a service reached through the broker: its queue (the
 * broker balances between the queue's consumers). Named without the broker
 * URL, whose credentials must not reach status pages.
 */
export function queueInstance(queue: string): ServiceInstance {
  return { id: `amqp:${queue}`, url: `amqp:${queue}` };
}

/** A load balancer that always picks the queue: consumers of one queue share its messages. */
export function queueBalancer(queue: string): LoadBalancer {
  const instance = queueInstance(queue);
  return { pick: () => instance };
}
