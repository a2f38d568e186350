import type { IncomingHttpHeaders } from "node:http";
import type { Answer, FlatHeaders } from "./answer.js";

export interface CorsOptions {
  /**
   * Origins allowed to call from a browser (`CORS_ORIGINS`), e.g.
   * `["https://shop.example"]`. Empty (the default): no CORS headers at all.
   */
  origins?: readonly string[];
  /** Methods a preflight may ask for; default `GET, HEAD, PUT, POST, DELETE` (the writes of contract 2.6 included). */
  methods?: readonly string[];
  /** How long a browser may cache a preflight, in seconds; default 600. */
  maxAgeS?: number;
}

/** Request headers a Portico client may send cross-origin (the writes' and revalidation's included). */
const ALLOWED_HEADERS =
  "Authorization, Content-Type, X-API-Key, X-Request-Id, traceparent, Idempotency-Key, If-None-Match";
/** Response headers a browser script may read besides the CORS-safelisted ones. */
const EXPOSED_HEADERS =
  "X-Request-Id, Server-Timing, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, " +
  "ETag, Location, Idempotent-Replayed";

/** An origin as browsers send it: lower-case scheme and host, no default port, no trailing slash. */
export function normalizeOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/** True when `origin` (the `Origin` header) is one of `allowed`; usable for WebSocket upgrades too. */
export function isAllowedOrigin(allowed: ReadonlySet<string>, origin: string | undefined): boolean {
  // "null" (sandboxed frames, file://) and anything malformed never match.
  return origin !== undefined && allowed.has(origin);
}

/**
 * CORS for one BFF from its configuration, as the edge applies it. An
 * allowed `Origin` gets `Access-Control-Allow-Origin` echoing it (never
 * `*`, never credentials: Portico's clients send bearer tokens and API
 * keys, not cookies); any other origin gets no CORS header at all, so the
 * browser keeps the answer from the script. Every answer then varies on
 * `Origin`. A preflight from an allowed origin is answered 204 by the
 * edge; one from any other origin goes on to the routes (405 or 404, no CORS).
 */
export class CorsPolicy {
  readonly #allowed: ReadonlySet<string>;
  readonly #preflight: FlatHeaders;
  readonly #exposed = new Map<string, FlatHeaders>();

  constructor({
    origins = [],
    methods = ["GET", "HEAD", "PUT", "POST", "DELETE"],
    maxAgeS = 600,
  }: CorsOptions = {}) {
    this.#allowed = new Set(origins.map((origin) => normalizeOrigin(origin) ?? origin));
    this.#preflight = [
      "Access-Control-Allow-Methods",
      methods.join(", "),
      "Access-Control-Allow-Headers",
      ALLOWED_HEADERS,
      "Access-Control-Max-Age",
      String(maxAgeS),
    ];
    // Built once per allowed origin: an answer's CORS headers are then one lookup.
    for (const origin of this.#allowed) {
      this.#exposed.set(origin, [
        "Access-Control-Allow-Origin",
        origin,
        "Access-Control-Expose-Headers",
        EXPOSED_HEADERS,
      ]);
    }
  }

  /** Whether any origin is allowed (else no CORS header at all, and no `Vary: Origin`). */
  get active(): boolean {
    return this.#allowed.size > 0;
  }

  /** The CORS headers of an answer to `origin`, flat (none for an origin not allowed). */
  headersFor(origin: string | undefined): FlatHeaders {
    return (origin === undefined ? undefined : this.#exposed.get(origin)) ?? NONE;
  }

  /** The 204 of a preflight from an allowed origin, or undefined when this request is not one. */
  preflight(method: string, headers: IncomingHttpHeaders): Answer | undefined {
    const origin = headers.origin;
    if (method !== "OPTIONS" || headers["access-control-request-method"] === undefined) return undefined;
    if (!isAllowedOrigin(this.#allowed, origin)) return undefined;
    return {
      status: 204,
      headers: [
        "Access-Control-Allow-Origin",
        origin as string,
        ...this.#preflight,
        "Vary",
        "Access-Control-Request-Method, Access-Control-Request-Headers",
      ],
    };
  }
}

const NONE: FlatHeaders = [];
