import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { z } from "zod";
import type { ServiceClient } from "../client/service-client.js";
import { InvalidInputError } from "../errors/index.js";
import { contextOf } from "./context-middleware.js";

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

const HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/;
const FORWARDED_FOR = /^[0-9A-Fa-f.:, ]{1,512}$/;

/**
 * A pass-through route as a route-table entry: the client's GET goes to one
 * service, with its query validated, and the answer is streamed back. The
 * upstream's 2xx and 4xx answers are relayed as they are (hop-by-hop and
 * identifying headers dropped); its 5xx, a refused connection or a timeout
 * become problem+json 502/503/504 like any required part.
 *
 * ```ts
 * mountRoutes(app, { "/reviews": { get: passThrough({ client: clients.reviews, path: "/reviews", query }) } });
 * ```
 */
export function passThrough<Q extends z.ZodType<Record<string, string | number | undefined>>>({
  client,
  path,
  query,
}: PassThroughOptions<Q>): RequestHandler {
  return async function passThrough(req: Request, res: Response, _next: NextFunction): Promise<void> {
    const parsed = query.safeParse(req.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const name = issue?.path.join(".") || "query";
      throw new InvalidInputError(`Invalid query parameter ${name}: ${issue?.message ?? "invalid"}`);
    }
    const upstreamQuery: Record<string, string | number> = {};
    for (const [key, value] of Object.entries(parsed.data))
      if (value !== undefined) upstreamQuery[key] = value;

    const ctx = contextOf(res);
    const upstream = await client.stream(ctx, path, { query: upstreamQuery, headers: forwardedHeaders(req) });

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

    // One writeHead: it merges with the headers set so far (request id, security headers).
    const headers: Record<string, string | string[]> = {};
    for (const name in upstream.headers) {
      const value = upstream.headers[name];
      if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) headers[name] = value;
    }
    const timing = ctx.timings.header();
    if (timing !== undefined) headers["Server-Timing"] = timing;
    res.writeHead(upstream.status, headers);
    upstream.body.on("error", () => {
      // Headers are out: all that is left is to end the connection.
      res.destroy();
    });
    upstream.body.pipe(res);
  };
}

/** `X-Forwarded-For` appended with this hop's peer, `-Proto` and `-Host` set. */
function forwardedHeaders(req: Request): Record<string, string> {
  const headers: Record<string, string> = {
    "x-forwarded-proto": req.protocol === "https" ? "https" : "http",
  };
  const peer = req.socket.remoteAddress;
  const prior = req.get("x-forwarded-for");
  const chain = [prior !== undefined && FORWARDED_FOR.test(prior) ? prior : undefined, peer].filter(Boolean);
  if (chain.length > 0) headers["x-forwarded-for"] = chain.join(", ");
  const host = req.get("host");
  if (host !== undefined && HOST.test(host)) headers["x-forwarded-host"] = host;
  return headers;
}
