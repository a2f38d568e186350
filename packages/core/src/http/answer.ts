import type { OutgoingHttpHeader, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { isGatewayError } from "../errors/index.js";
import { problemOf } from "./problem.js";

/** A header list as `writeHead` takes it: `[name, value, name, value, …]`. */
export type FlatHeaders = readonly OutgoingHttpHeader[];

/**
 * What a declared route answers; the edge writes it, once, behind its own
 * headers (security headers, `X-Request-Id`, CORS, `Server-Timing`). A
 * string or Buffer body gets its `Content-Length`; a stream is piped as it
 * comes (its length, if any, is in `headers`); a function writes a
 * long-lived answer (server-sent events) after the head.
 */
export interface Answer {
  readonly status: number;
  /** The route's own headers, flat; never `Set-Cookie`, `Server` or internal ones (the edge drops them). */
  readonly headers: FlatHeaders;
  readonly body?: string | Buffer | Readable | ((res: ServerResponse) => void) | undefined;
  /**
   * Set on a composite's answer (`composite()`): the edge gives it a weak
   * `ETag`, answers a matching `If-None-Match` with 304, and picks its
   * `Cache-Control` (contract 2.8).
   */
  readonly composite?: { readonly degraded: boolean } | undefined;
}

/** `Cache-Control` of what must never be stored: problems, writes, fallbacks, the ops routes. */
export const NO_STORE: FlatHeaders = ["Cache-Control", "no-store"];

export const JSON_TYPE = "application/json; charset=utf-8";
export const PROBLEM_TYPE = "application/problem+json; charset=utf-8";

const NO_HEADERS: FlatHeaders = [];

/** A JSON answer (`JSON.stringify` of `body`). */
export function json(body: unknown, status = 200, headers: FlatHeaders = NO_HEADERS): Answer {
  return {
    status,
    headers: headers.length === 0 ? JSON_HEADERS : ["Content-Type", JSON_TYPE, ...headers],
    body: JSON.stringify(body) ?? "null",
  };
}

const JSON_HEADERS: FlatHeaders = ["Content-Type", JSON_TYPE];

/**
 * A composite GET's 200 answer, with its `degraded` map (contract 2.1).
 * When the map is not empty (a part was served by its fallback) the answer
 * is `no-store`; else a signed-in caller's is `private, no-cache` and an
 * anonymous one's `public, max-age=CLIENT_MAX_AGE_S`. Each carries a weak `ETag`.
 */
export function composite<T extends { readonly degraded: Readonly<Record<string, unknown>> }>(
  body: T,
): Answer {
  return {
    status: 200,
    headers: JSON_HEADERS,
    body: JSON.stringify(body),
    composite: Object.keys(body.degraded).length > 0 ? DEGRADED : FRESH,
  };
}

const DEGRADED = { degraded: true } as const;
const FRESH = { degraded: false } as const;

/** A text answer of the given media type. */
export function text(
  body: string,
  contentType: string,
  status = 200,
  headers: FlatHeaders = NO_HEADERS,
): Answer {
  return { status, headers: ["Content-Type", contentType, ...headers], body };
}

/**
 * The problem+json answer of any thrown value (`problemOf`: the one place
 * errors become HTTP), `no-store`, with `Retry-After` where the error carries one.
 */
export function problemAnswer(error: unknown, instance: string, requestId: string): Answer {
  const problem = problemOf(error, instance, requestId);
  const retryAfter = isGatewayError(error) ? error.retryAfterS : undefined;
  return {
    status: problem.status,
    headers:
      retryAfter === undefined
        ? PROBLEM_HEADERS
        : ["Content-Type", PROBLEM_TYPE, "Cache-Control", "no-store", "Retry-After", String(retryAfter)],
    body: JSON.stringify(problem),
  };
}

const PROBLEM_HEADERS: FlatHeaders = ["Content-Type", PROBLEM_TYPE, "Cache-Control", "no-store"];
