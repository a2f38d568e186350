import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from "node:http";
import helmet, { type HelmetOptions } from "helmet";

/** The API's Content-Security-Policy: JSON is never a document, so nothing may load or frame it. */
const API_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
};

/** For HTML pages the gateway serves itself (the `/admin` dashboard): same-origin scripts, styles and live updates. */
const PAGE_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", "'unsafe-inline'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
};

/** helmet's settings for an API: its defaults, minus the ones that only concern HTML documents. */
function helmetOptions(csp: typeof API_CSP): HelmetOptions {
  return {
    contentSecurityPolicy: csp,
    crossOriginOpenerPolicy: true,
    crossOriginResourcePolicy: { policy: "same-origin" },
    referrerPolicy: { policy: "no-referrer" },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    frameguard: { action: "deny" },
    xPermittedCrossDomainPolicies: { permittedPolicies: "none" },
    xXssProtection: true,
    // HTML-only or browser-specific leftovers that mean nothing for JSON.
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
  };
}

/**
 * The headers helmet sets with these options, computed once: running
 * helmet's dozen middlewares on every request costs more than setting
 * their (constant) result.
 */
function headersOf(options: HelmetOptions): ReadonlyArray<readonly [string, string]> {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader(name: string, value: string) {
      headers.push([name, value]);
    },
    removeHeader() {},
  };
  let failure: unknown;
  helmet(options)({} as never, recorder as never, (error?: unknown) => {
    failure = error;
  });
  if (failure !== undefined) throw failure;
  return headers;
}

/** Every security header an API answer carries (including `X-Content-Type-Options: nosniff`). */
export const API_SECURITY_HEADERS = headersOf(helmetOptions(API_CSP));

/** The same as a flat `[name, value, name, value, …]` list, for one `writeHead` on node's own response. */
export const API_SECURITY_HEADERS_FLAT: readonly string[] = API_SECURITY_HEADERS.flat();

/** Upstream and framework headers that must never reach a client (contract section 6). */
const STRIPPED_HEADERS = new Set([
  "set-cookie",
  "server",
  "x-powered-by",
  "x-aspnet-version",
  "x-aspnetmvc-version",
  "x-runtime",
  "x-backend-server",
  "x-served-by",
  "x-upstream",
]);
/** Prefixes of internal headers (service meshes, upstream bookkeeping). */
const STRIPPED_PREFIXES = ["x-internal-", "x-upstream-", "x-envoy-"];

/** True for a header name that must not leave the gateway. */
export function isStrippedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return STRIPPED_HEADERS.has(lower) || STRIPPED_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/** For HTML pages the gateway serves itself (the `/admin` dashboard): a CSP that allows same-origin scripts and styles. */
export const PAGE_SECURITY_HEADERS = headersOf(helmetOptions(PAGE_CSP));

/** The same, flat. */
export const PAGE_SECURITY_HEADERS_FLAT: readonly string[] = PAGE_SECURITY_HEADERS.flat();

/** Whether a header of a route's answer may go out: not stripped, and not a second `X-Content-Type-Options`. */
export function isKeptHeader(name: string): boolean {
  return !isStrippedHeader(name) && name.toLowerCase() !== "x-content-type-options";
}

/**
 * For an answer written by express (a route a team mounts on the app):
 * the security headers set on `res`, and a guard on its `writeHead` that
 * removes `Set-Cookie`, `Server`, `X-Powered-By` and internal headers
 * however they were set, and keeps `nosniff`.
 */
export function secureResponse(res: ServerResponse, headers: ReadonlyArray<readonly [string, string]>): void {
  for (const [name, value] of headers) res.setHeader(name, value);
  guardHeaders(res);
}

type WriteHead = ServerResponse["writeHead"];

/**
 * Wraps this response's `writeHead` (which every way of answering goes
 * through) to drop stripped headers and to keep `nosniff`, even when a
 * route copied another value from an upstream.
 */
function guardHeaders(res: ServerResponse): void {
  const writeHead = res.writeHead as (...args: unknown[]) => ServerResponse;
  res.writeHead = function guardedWriteHead(this: ServerResponse, ...args: unknown[]) {
    for (const name of this.getHeaderNames()) if (isStrippedHeader(name)) this.removeHeader(name);
    this.setHeader("X-Content-Type-Options", "nosniff");
    const last = args.length - 1;
    if (last >= 1 && typeof args[last] === "object" && args[last] !== null) {
      args[last] = withoutStripped(args[last] as OutgoingHttpHeaders | OutgoingHttpHeader[]);
    }
    return writeHead.apply(this, args);
  } as WriteHead;
}

function withoutStripped(
  headers: OutgoingHttpHeaders | OutgoingHttpHeader[],
): OutgoingHttpHeaders | OutgoingHttpHeader[] {
  if (!Array.isArray(headers)) {
    const kept: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) if (isKeptHeader(name)) kept[name] = value;
    return kept;
  }
  // writeHead takes a flat [name, value, name, value, …] list or a list of pairs.
  if (headers.every(Array.isArray)) {
    return (headers as unknown as [string, OutgoingHttpHeader][]).filter(([name]) =>
      isKeptHeader(String(name)),
    ) as unknown as OutgoingHttpHeader[];
  }
  const kept: OutgoingHttpHeader[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (isKeptHeader(String(headers[i])))
      kept.push(headers[i] as OutgoingHttpHeader, headers[i + 1] as OutgoingHttpHeader);
  }
  return kept;
}
