import type { IncomingMessage, OutgoingHttpHeader } from "node:http";
import type { TLSSocket } from "node:tls";
import type { z } from "zod";
import type { ServiceClient } from "../client/service-client.js";
import type { StreamResponse } from "../client/transport.js";
import type { RequestContext } from "../context.js";
import { InvalidInputError } from "../errors/index.js";
import type { Answer } from "./answer.js";
import type { Exchange } from "./exchange.js";
import { API_SECURITY_HEADERS } from "./response-hygiene.js";
import type { Step } from "./route-table.js";

export interface PassThroughOptions<Q extends z.ZodType<Record<string, string | number | undefined>>> {
  /** The upstream service; its timeout, breaker, bulkhead and retries apply. */
  client: ServiceClient;
  /** The upstream path (fixed: nothing from the client may change it). */
  path: string;
  /**
   * The client's query, validated: its output is exactly the query sent
   * upstream. Unknown parameters are dropped; a bad one is a 400.
   */
  query: Q;
}

/** Per RFC 9110 7.6.1, plus what must never reach a client (contract section 6). */
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "set-cookie",
  "server",
  "x-powered-by",
  "x-request-id",
  "date",
  // The gateway's own Server-Timing covers the upstream call; a client sees one.
  "server-timing",
]);

/** The edge's own security headers: an upstream's value never replaces them. */
const EDGE_HEADERS = new Set(API_SECURITY_HEADERS.map(([name]) => name.toLowerCase()));

/** Whether an upstream answer's header (undici gives lowercase names) is relayed; the edge drops stripped ones. */
function isRelayed(name: string): boolean {
  return !DROPPED_RESPONSE_HEADERS.has(name) && !EDGE_HEADERS.has(name);
}

const HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/;
const FORWARDED_FOR = /^[0-9A-Fa-f.:, ]{1,512}$/;

/**
 * A pass-through route as a route-table entry: the client's GET goes to one
 * service, with its query validated, and the answer is streamed back. The
 * upstream's 2xx and 4xx answers are relayed as they are (hop-by-hop and
 * identifying headers dropped, the edge's security headers kept); its 5xx,
 * a refused connection or a timeout become problem+json 502/503/504 like
 * any required part.
 *
 * ```ts
 * routes({ "/reviews": { get: passThrough({ client: clients.reviews, path: "/reviews", query }) } });
 * ```
 */
export function passThrough<Q extends z.ZodType<Record<string, string | number | undefined>>>({
  client,
  path,
  query,
}: PassThroughOptions<Q>): Step {
  // Promise handlers rather than async functions: this runs for every pass-through request.
  return function passThrough(exchange: Exchange): Promise<Answer> {
    const parsed = query.safeParse(exchange.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const name = issue?.path.join(".") || "query";
      return Promise.reject(
        new InvalidInputError(`Invalid query parameter ${name}: ${issue?.message ?? "invalid"}`),
      );
    }
    const req = exchange.req;
    const ctx = exchange.ctx;
    return client
      .stream(ctx, path, { query: upstreamQueryOf(parsed.data), headers: forwardedHeaders(req) })
      .then((upstream) => relayed(upstream, ctx));
  };
}

function upstreamQueryOf(data: Record<string, string | number | undefined>): Record<string, string | number> {
  const upstreamQuery: Record<string, string | number> = {};
  for (const key in data) {
    const value = data[key];
    if (value !== undefined) upstreamQuery[key] = value;
  }
  return upstreamQuery;
}

/** The upstream's answer, to be relayed: status, the headers that may be relayed, the body. */
function relayed(upstream: StreamResponse, ctx: RequestContext): Answer {
  const headers: OutgoingHttpHeader[] = [];
  for (const name in upstream.headers) {
    const value = upstream.headers[name];
    // A repeated header stays one entry with all its values.
    if (value !== undefined && isRelayed(name)) headers.push(name, value);
  }
  const status = upstream.status;
  // All of it came with the headers: nothing is left to stream, or to cut. A
  // body without Content-Length still streams: it counts as over the
  // compression threshold whatever its size (contract 2.8).
  if (upstream.whole !== undefined && upstream.headers["content-length"] !== undefined)
    return { status, headers, body: status === 204 || status === 304 ? undefined : upstream.whole };

  // The answer may be relayed after the deadline only if it is already flowing
  // to the client; a body that stalls past it is cut, like any upstream call.
  // Whole milliseconds: node keeps one timer list per distinct duration.
  const body = upstream.body;
  const left = Math.max(0, Math.ceil(ctx.deadline - performance.now()));
  const stall = setTimeout(() => body.destroy(new Error("deadline passed")), left);
  stall.unref();
  body.once("close", () => clearTimeout(stall));
  return { status, headers, body };
}

/** `X-Forwarded-For` appended with this hop's peer, `-Proto` and `-Host` set. */
function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {
    // "trust proxy" is off: the protocol is this connection's own.
    "x-forwarded-proto": (req.socket as TLSSocket).encrypted === true ? "https" : "http",
  };
  const peer = req.socket.remoteAddress;
  const prior = req.headers["x-forwarded-for"];
  const kept = typeof prior === "string" && prior !== "" && FORWARDED_FOR.test(prior) ? prior : undefined;
  const chain = kept === undefined ? peer || undefined : peer ? `${kept}, ${peer}` : kept;
  if (chain !== undefined) headers["x-forwarded-for"] = chain;
  // The upstream may answer encoded: the edge then relays its body as it is (contract 2.8).
  const acceptEncoding = req.headers["accept-encoding"];
  if (typeof acceptEncoding === "string" && acceptEncoding !== "")
    headers["accept-encoding"] = acceptEncoding;
  const host = req.headers.host;
  if (host !== undefined && HOST.test(host)) headers["x-forwarded-host"] = host;
  return headers;
}
