import type { IncomingMessage, OutgoingHttpHeader } from "node:http";
import type { ParsedUrlQuery } from "node:querystring";
import type { RequestContext } from "../context.js";
import type { PayloadTooLargeError } from "../errors/index.js";
import { parseQuery } from "./query-string.js";

/**
 * One request as a declared route sees it: what the edge parsed (method,
 * path, the route's parameters, the query), the request's context, and the
 * body the edge read. Steps pass what they learn to the steps after them
 * through it, explicitly: `ctx` (an authenticated identity), `headers` (a
 * challenge that goes with whatever answer follows).
 */
export class Exchange {
  readonly req: IncomingMessage;
  /** As sent; a GET route also answers HEAD. */
  readonly method: string;
  /** The request target's path, without the query, as sent (not decoded). */
  readonly path: string;
  /** The route template that matched (`/orders/:orderId`). */
  readonly route: string;
  /** The route's parameters, decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The request's context; a step may replace it (e.g. with the caller's identity). */
  ctx: RequestContext;
  /** Headers every answer to this request carries, flat (a step's `WWW-Authenticate`). */
  readonly headers: OutgoingHttpHeader[] = [];
  /** The body as read by the edge (up to `EDGE_LIMITS.maxBodyBytes`); undefined without one. */
  readonly body: Buffer | undefined;
  /** The 413 for a body over the limit, which was not read; a body step answers it (contract 2.6's order). */
  readonly bodyRefusal: PayloadTooLargeError | undefined;
  readonly #rawQuery: string;
  #query: ParsedUrlQuery | undefined;

  constructor(init: {
    req: IncomingMessage;
    method: string;
    path: string;
    rawQuery: string;
    route: string;
    params: Readonly<Record<string, string>>;
    ctx: RequestContext;
    body: Buffer | undefined;
    bodyRefusal: PayloadTooLargeError | undefined;
  }) {
    this.req = init.req;
    this.method = init.method;
    this.path = init.path;
    this.#rawQuery = init.rawQuery;
    this.route = init.route;
    this.params = init.params;
    this.ctx = init.ctx;
    this.body = init.body;
    this.bodyRefusal = init.bodyRefusal;
  }

  /** The query, parsed on first use as node's `querystring` parses it (repeated names become arrays). */
  get query(): ParsedUrlQuery {
    this.#query ??= this.#rawQuery === "" ? {} : parseQuery(this.#rawQuery);
    return this.#query;
  }

  /** A request header (lower-case name); the first value when repeated. */
  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }
}
