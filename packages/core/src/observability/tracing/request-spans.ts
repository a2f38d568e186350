import type { IncomingMessage } from "node:http";
import type { Attributes, Span } from "@opentelemetry/api";
import { type RequestContext, withTrace } from "../../context.js";
import type { RequestSpan, RequestTracer } from "../../http/request-tracer.js";
import type { Otel } from "./otel-sdk.js";
import { ATTR, conventionalMethod } from "./semantic-attributes.js";
import { SpanTrace } from "./span-trace.js";

/**
 * The SERVER span of each client request, continuing the client's
 * `traceparent` through the SDK's W3C propagator. Named `{method}` until
 * the route is known, then `{method} {http.route}`; status ERROR for a 5xx
 * answer, as the semantic conventions say of a server (a 4xx is the
 * client's error, not the server's).
 */
export class OtelRequestTracer implements RequestTracer {
  readonly #otel: Otel;

  constructor(otel: Otel) {
    this.#otel = otel;
  }

  startRequest(ctx: RequestContext, req: IncomingMessage, method: string, path: string): RequestSpan {
    const { api, propagator, tracer } = this.#otel;
    // No valid traceparent: the root context, so the span starts a new trace.
    const parent = propagator.extract(api.ROOT_CONTEXT, req.headers, api.defaultTextMapGetter);
    const known = conventionalMethod(method);
    const attributes: Attributes = {
      [ATTR.HTTP_REQUEST_METHOD]: known,
      [ATTR.URL_PATH]: path,
      [ATTR.URL_SCHEME]: "http",
      [ATTR.NETWORK_PROTOCOL_VERSION]: req.httpVersion,
      [ATTR.PORTICO_REQUEST_ID]: ctx.requestId,
    };
    if (known !== method) attributes[ATTR.HTTP_REQUEST_METHOD_ORIGINAL] = method;
    const host = hostOf(req.headers.host);
    if (host !== undefined) {
      attributes[ATTR.SERVER_ADDRESS] = host.address;
      if (host.port !== undefined) attributes[ATTR.SERVER_PORT] = host.port;
    }
    const client = req.socket.remoteAddress;
    if (client !== undefined) attributes[ATTR.CLIENT_ADDRESS] = client;
    const agent = req.headers["user-agent"];
    if (agent !== undefined) attributes[ATTR.USER_AGENT_ORIGINAL] = agent;
    const span = tracer.startSpan(known, { kind: api.SpanKind.SERVER, attributes }, parent);
    return new TracedRequest(
      this.#otel,
      span,
      known,
      withTrace(ctx, new SpanTrace(this.#otel, span, undefined)),
    );
  }
}

class TracedRequest implements RequestSpan {
  constructor(
    readonly otel: Otel,
    readonly span: Span,
    readonly method: string,
    readonly ctx: RequestContext,
  ) {}

  end(route: string | undefined, status: number): void {
    const span = this.span;
    if (route !== undefined) {
      span.setAttribute(ATTR.HTTP_ROUTE, route);
      span.updateName(`${this.method} ${route}`);
    }
    span.setAttribute(ATTR.HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) {
      span.setAttribute(ATTR.ERROR_TYPE, String(status));
      span.setStatus({ code: this.otel.api.SpanStatusCode.ERROR });
    }
    span.end();
  }
}

/** `server.address` and `server.port` from the `Host` header (`example.com:8081`, `[::1]:8081`). */
function hostOf(host: string | undefined): { address: string; port: number | undefined } | undefined {
  if (host === undefined || host === "") return undefined;
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(host);
  if (match === null) return undefined;
  const address = (match[1] ?? "").replace(/^\[|\]$/g, "");
  return { address, port: match[2] === undefined ? undefined : Number(match[2]) };
}
