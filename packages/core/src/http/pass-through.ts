import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from "node:http";
import { parse as parseQuery } from "node:querystring";
import type { TLSSocket } from "node:tls";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { z } from "zod";
import type { ServiceClient } from "../client/service-client.js";
import type { RequestContext } from "../context.js";
import { InvalidInputError } from "../errors/index.js";
import { contextOf } from "./context-middleware.js";
import { FAST_ROUTE, type FastRoute } from "./fast-path.js";
import { API_SECURITY_HEADERS, isStrippedHeader } from "./response-hygiene.js";

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
]);

/** The edge's own security headers: an upstream's value never replaces them. */
const EDGE_HEADERS = new Set(API_SECURITY_HEADERS.map(([name]) => name.toLowerCase()));

/** Whether an upstream answer's header (undici gives lowercase names) is relayed to the client. */
function isRelayed(name: string): boolean {
  return !DROPPED_RESPONSE_HEADERS.has(name) && !EDGE_HEADERS.has(name) && !isStrippedHeader(name);
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
 * The handler also has a fast form that `mountRoutes` gives the app's fast
 * path (see `FastPath`): a plain GET of this route is then answered without
 * express, the same way.
 *
 * ```ts
 * mountRoutes(app, { "/reviews": { get: passThrough({ client: clients.reviews, path: "/reviews", query }) } });
 * ```
 */
export function passThrough<Q extends z.ZodType<Record<string, string | number | undefined>>>({
  client,
  path,
  query,
}: PassThroughOptions<Q>): RequestHandler & { readonly [FAST_ROUTE]: FastRoute } {
  const handler = async function passThrough(
    req: Request,
    res: Response,
    _next: NextFunction,
  ): Promise<void> {
    const parsed = query.safeParse(req.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const name = issue?.path.join(".") || "query";
      throw new InvalidInputError(`Invalid query parameter ${name}: ${issue?.message ?? "invalid"}`);
    }
    const ctx = contextOf(res);
    // The edge's headers are already set on `res` (responseHygiene, requestContext).
    await relay(client, path, upstreamQueryOf(parsed.data), ctx, req, res, []);
  };
  const fast: FastRoute<Record<string, string | number>> = {
    accept(queryString) {
      // express's own query parser ("simple": node's querystring), so both paths see the same values.
      const parsed = query.safeParse(parseQuery(queryString));
      return parsed.success ? upstreamQueryOf(parsed.data) : undefined;
    },
    serve: (ctx, upstreamQuery, req, res, edgeHeaders) =>
      relay(client, path, upstreamQuery, ctx, req, res, edgeHeaders),
  };
  return Object.assign(handler, { [FAST_ROUTE]: fast as FastRoute });
}

function upstreamQueryOf(data: Record<string, string | number | undefined>): Record<string, string | number> {
  const upstreamQuery: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(data)) if (value !== undefined) upstreamQuery[key] = value;
  return upstreamQuery;
}

/**
 * Calls the service and streams its answer to `res` with one `writeHead`:
 * `edgeHeaders` (flat; empty when they are already set on `res`), then the
 * upstream's headers that may be relayed, then `Server-Timing`.
 */
async function relay(
  client: ServiceClient,
  path: string,
  query: Record<string, string | number>,
  ctx: RequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  edgeHeaders: OutgoingHttpHeader[],
): Promise<void> {
  const upstream = await client.stream(ctx, path, { query, headers: forwardedHeaders(req) });

  // The answer may be relayed after the deadline only if it is already flowing
  // to the client; a body that stalls past it is cut, like any upstream call.
  // Whole milliseconds: node keeps one timer list per distinct duration.
  const left = Math.max(0, Math.ceil(ctx.deadline - performance.now()));
  const stall = setTimeout(() => upstream.body.destroy(new Error("deadline passed")), left);
  stall.unref();
  const cleanUp = () => {
    clearTimeout(stall);
    if (!res.writableFinished) upstream.body.destroy();
  };
  res.on("close", cleanUp);

  const headers = edgeHeaders;
  for (const name in upstream.headers) {
    const value = upstream.headers[name];
    // A repeated header stays one entry with all its values: on a response
    // with headers already set, node's flat-list writeHead keeps only the last.
    if (value !== undefined && isRelayed(name)) headers.push(name, value);
  }
  const timing = ctx.timings.header();
  if (timing !== undefined) headers.push("Server-Timing", timing);
  res.writeHead(upstream.status, headers);
  upstream.body.on("error", () => {
    // Headers are out: all that is left is to end the connection.
    res.destroy();
  });
  upstream.body.pipe(res);
}

/** `X-Forwarded-For` appended with this hop's peer, `-Proto` and `-Host` set. */
function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {
    // "trust proxy" is off: the protocol is this connection's own.
    "x-forwarded-proto": (req.socket as TLSSocket).encrypted === true ? "https" : "http",
  };
  const peer = req.socket.remoteAddress;
  const prior = req.headers["x-forwarded-for"];
  const chain = [typeof prior === "string" && FORWARDED_FOR.test(prior) ? prior : undefined, peer].filter(
    Boolean,
  );
  if (chain.length > 0) headers["x-forwarded-for"] = chain.join(", ");
  const host = req.headers.host;
  if (host !== undefined && HOST.test(host)) headers["x-forwarded-host"] = host;
  return headers;
}
