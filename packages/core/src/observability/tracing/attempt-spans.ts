import type { Attributes, Context, Span } from "@opentelemetry/api";
import type { AttemptSpan, AttemptTracer } from "../../client/attempt-tracer.js";
import { GRPC_STATUS, grpcStatusOfAnswer } from "../../client/grpc-status.js";
import type { GrpcRouter } from "../../client/grpc-transport.js";
import { queryString, type StreamResponse, type TransportResponse } from "../../client/transport.js";
import { outcomeOf } from "../../client/upstream-observer.js";
import type { TraceContext } from "../../context.js";
import type { ServiceInstance } from "../../discovery/service-registry.js";
import { isGatewayError } from "../../errors/index.js";
import { errorMessageOf, errorTypeOf } from "./error-type.js";
import type { Otel } from "./otel-sdk.js";
import { ATTR, conventionalMethod } from "./semantic-attributes.js";
import { SpanTrace } from "./span-trace.js";

type Query = Readonly<Record<string, string | number>> | undefined;

/** How one transport names an attempt's span and tells its outcome, after its semantic conventions. */
export interface AttemptProtocol {
  /** The span's name and its attributes at start. */
  describe(
    method: string,
    instance: ServiceInstance,
    path: string,
    query: Query,
  ): {
    name: string;
    attributes: Attributes;
  };
  /** The transport answered with `response`. */
  answered(span: Span, response: TransportResponse | StreamResponse): void;
  /** The attempt failed; `status` is the answer's, when one came. */
  failed(span: Span, error: unknown, status: number | undefined): void;
}

/**
 * The CLIENT spans of one service's attempts. Each attempt's span is a
 * child of the trace it is given (the part's span, or the request's), and
 * its id is the parent-id of the `traceparent` the attempt sends, injected
 * by the SDK's W3C propagator (with the client's `tracestate`, if any).
 */
export class OtelAttemptTracer implements AttemptTracer {
  readonly #otel: Otel;
  readonly #service: string;
  readonly #protocol: AttemptProtocol;

  constructor(otel: Otel, service: string, protocol: AttemptProtocol) {
    this.#otel = otel;
    this.#service = service;
    this.#protocol = protocol;
  }

  start(
    trace: TraceContext,
    method: string,
    instance: ServiceInstance,
    path: string,
    query: Query,
    headers: Readonly<Record<string, string>>,
  ): AttemptSpan {
    const { api, tracer, propagator } = this.#otel;
    let parent: Context;
    let part: string | undefined;
    if (trace instanceof SpanTrace) {
      parent = trace.context;
      part = trace.part;
    } else {
      // A context the edge did not trace (made by hand): its ids are the parent all the same.
      parent = api.trace.setSpanContext(api.ROOT_CONTEXT, {
        traceId: trace.traceId,
        spanId: trace.spanId,
        traceFlags: Number.parseInt(trace.flags, 16),
        isRemote: true,
      });
    }
    const { name, attributes } = this.#protocol.describe(method, instance, path, query);
    attributes[ATTR.PEER_SERVICE] = this.#service;
    if (part !== undefined) attributes[ATTR.PORTICO_PART] = part;
    const span = tracer.startSpan(name, { kind: api.SpanKind.CLIENT, attributes }, parent);
    const sent: Record<string, string> = { ...headers };
    propagator.inject(api.trace.setSpan(parent, span), sent, api.defaultTextMapSetter);
    return new TracedAttempt(this.#otel, this.#protocol, span, sent);
  }
}

class TracedAttempt implements AttemptSpan {
  #status: number | undefined;

  constructor(
    readonly otel: Otel,
    readonly protocol: AttemptProtocol,
    readonly span: Span,
    readonly headers: Readonly<Record<string, string>>,
  ) {}

  answered(response: TransportResponse | StreamResponse): void {
    this.#status = response.status;
    this.protocol.answered(this.span, response);
  }

  end(error: unknown): void {
    // A 404 or another 4xx is an answer, as the breaker counts it: not an error of the attempt.
    if (error !== undefined && outcomeOf(error) !== "ok") {
      this.protocol.failed(this.span, error, this.#status);
      this.span.setStatus({ code: this.otel.api.SpanStatusCode.ERROR, message: errorMessageOf(error) });
    }
    this.span.end();
  }
}

/** An instance's base URL as span attributes, parsed once per instance. */
interface HttpBase {
  readonly address: string;
  readonly port: number;
  /** The URL without credentials, for `url.full`. */
  readonly url: string;
}

/**
 * HTTP: `{method} {service}` (the service stands for the conventions'
 * `url.template`, which a path with its ids is not), `http.request.method`,
 * `server.*`, `url.full`, `http.response.status_code`.
 */
export function httpProtocol(service: string): AttemptProtocol {
  const bases = new Map<string, HttpBase>();
  const baseOf = (url: string): HttpBase => {
    let base = bases.get(url);
    if (base === undefined) {
      const parsed = new URL(url);
      parsed.username = "";
      parsed.password = "";
      base = {
        address: parsed.hostname.replace(/^\[|\]$/g, ""),
        port: parsed.port === "" ? (parsed.protocol === "https:" ? 443 : 80) : Number(parsed.port),
        url: parsed.toString().replace(/\/+$/, ""),
      };
      // Instances come and go with discovery: keep the map from growing without bound.
      if (bases.size >= 1000) bases.clear();
      bases.set(url, base);
    }
    return base;
  };
  return {
    describe(method, instance, path, query) {
      const base = baseOf(instance.url);
      const known = conventionalMethod(method);
      const attributes: Attributes = {
        [ATTR.HTTP_REQUEST_METHOD]: known,
        [ATTR.SERVER_ADDRESS]: base.address,
        [ATTR.SERVER_PORT]: base.port,
        [ATTR.URL_FULL]: `${base.url}${path}${queryString(query)}`,
      };
      if (known !== method) attributes[ATTR.HTTP_REQUEST_METHOD_ORIGINAL] = method;
      return { name: `${known} ${service}`, attributes };
    },
    answered(span, response) {
      span.setAttribute(ATTR.HTTP_RESPONSE_STATUS_CODE, response.status);
    },
    failed(span, error, status) {
      // The conventions: the status code when the answer was the error, else the error's type.
      span.setAttribute(
        ATTR.ERROR_TYPE,
        status !== undefined && status >= 400 ? String(status) : errorTypeOf(error),
      );
    },
  };
}

/** gRPC: `{rpc.service}/{rpc.method}`, `rpc.*`, `server.*`, `rpc.grpc.status_code`. */
export function grpcProtocol(routes: GrpcRouter): AttemptProtocol {
  return {
    describe(_method, instance, path, query) {
      // `/portico.shop.v1.Inventory/GetStock`
      const full = routes(path, query)?.method.path ?? "";
      const at = full.lastIndexOf("/");
      const rpcService = full.slice(1, Math.max(1, at));
      const rpcMethod = full.slice(at + 1);
      const attributes: Attributes = { [ATTR.RPC_SYSTEM]: "grpc" };
      if (rpcService !== "") attributes[ATTR.RPC_SERVICE] = rpcService;
      if (rpcMethod !== "") attributes[ATTR.RPC_METHOD] = rpcMethod;
      const address = hostPortOf(instance.url);
      if (address !== undefined) {
        attributes[ATTR.SERVER_ADDRESS] = address.host;
        attributes[ATTR.SERVER_PORT] = address.port;
      }
      return { name: full === "" ? "grpc" : full.slice(1), attributes };
    },
    answered(span, response) {
      const code = grpcStatusOfAnswer(response);
      if (code !== undefined) span.setAttribute(ATTR.RPC_GRPC_STATUS_CODE, code);
    },
    failed(span, error, status) {
      // No answer came: the status the call ended with, as grpc-js would report it.
      if (status === undefined) span.setAttribute(ATTR.RPC_GRPC_STATUS_CODE, grpcStatusOfError(error));
      span.setAttribute(ATTR.ERROR_TYPE, errorTypeOf(error));
    },
  };
}

/** AMQP request/reply: `send {queue}`, `messaging.*` (RabbitMQ's default exchange, the queue as routing key). */
export function amqpProtocol(): AttemptProtocol {
  return {
    describe(_method, instance) {
      // The "instance" of a service reached through the broker is its queue (`queueInstance`).
      const queue = instance.url.startsWith("amqp:") ? instance.url.slice("amqp:".length) : instance.url;
      return {
        name: `send ${queue}`,
        attributes: {
          [ATTR.MESSAGING_SYSTEM]: "rabbitmq",
          [ATTR.MESSAGING_OPERATION_TYPE]: "send",
          [ATTR.MESSAGING_OPERATION_NAME]: "send",
          [ATTR.MESSAGING_DESTINATION_NAME]: queue,
          [ATTR.MESSAGING_RABBITMQ_ROUTING_KEY]: queue,
        },
      };
    },
    answered() {},
    failed(span, error) {
      span.setAttribute(ATTR.ERROR_TYPE, errorTypeOf(error));
    },
  };
}

/** `host:port` (a gRPC target, `[::1]:7204` too) as `server.address` and `server.port`. */
function hostPortOf(target: string): { host: string; port: number } | undefined {
  const match = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(target);
  return match === null ? undefined : { host: match[1] ?? "", port: Number(match[2]) };
}

/** The gRPC status of a call that ended without an answer, from the error the transport made of it. */
function grpcStatusOfError(error: unknown): number {
  if (!isGatewayError(error)) return GRPC_STATUS.UNKNOWN;
  switch (error.code) {
    case "UPSTREAM_CONNECTION": {
      // UNAVAILABLE, or a CANCELLED the server sent: the ServiceError it came as says which.
      const code = (error.cause as { code?: unknown } | undefined)?.code;
      return typeof code === "number" ? code : GRPC_STATUS.UNAVAILABLE;
    }
    case "UPSTREAM_TIMEOUT":
      return GRPC_STATUS.DEADLINE_EXCEEDED;
    case "CLIENT_CLOSED":
    case "DEADLINE_EXCEEDED":
      return GRPC_STATUS.CANCELLED;
    case "UPSTREAM_BAD_RESPONSE":
      // What grpc-js reports of an answer it cannot decode.
      return GRPC_STATUS.INTERNAL;
    default:
      return GRPC_STATUS.UNKNOWN;
  }
}
