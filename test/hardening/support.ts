import { isServiceName, type ServiceName } from "@portico/core";
import type { RawAnswer } from "@portico/test-support";
import { expect } from "vitest";
import {
  type DemoShop,
  type RecordedRequest,
  type RunningBff,
  recordedRequests,
} from "../support/processes.js";
import { type BffName, type Stack, useStack } from "../support/stack.js";

export type { BffName };

export const PARTNER_KEY = "hardening-partner-key-0001";
export const TINY_KEY = "hardening-tiny-quota-key-01";
export const SPA_ORIGIN = "https://shop.example";

/** A generous key for fuzzing, and one whose quota runs out after one request. */
const PARTNER_KEYS = JSON.stringify([
  { key: PARTNER_KEY, name: "hardening", ratePerMinute: 1_000_000 },
  { key: TINY_KEY, name: "tiny", ratePerMinute: 1 },
]);

export const BFFS: readonly BffName[] = ["mobile-bff", "web-bff", "partner-bff"];

/**
 * The demo shop and all three BFFs (`stack.bffs[name]`) for the file's
 * tests: web-bff allows its SPA origin; mobile and partner have no CORS
 * configured. `env.all` goes to every BFF, `env[name]` to one.
 */
export function useHardeningStack(
  env: Partial<Record<BffName | "all", Record<string, string>>> = {},
  options: { clearFaults?: boolean } = {},
): Stack<BffName> {
  return useStack({
    bffEnv: { BREAKER_MIN_REQUESTS: "100000", ...env.all },
    bffs: {
      "mobile-bff": { app: "mobile-bff", env: { ...env["mobile-bff"] } },
      "web-bff": { app: "web-bff", env: { CORS_ORIGINS: SPA_ORIGIN, ...env["web-bff"] } },
      "partner-bff": { app: "partner-bff", env: { PARTNER_KEYS, ...env["partner-bff"] } },
    },
    ...options,
  });
}

export const portOf = (bff: RunningBff) => Number(new URL(bff.url).port);

/** What every answer carries, whatever its status (contract sections 2 and 6). */
export function expectEdgeHeaders(headers: Readonly<Record<string, string | undefined>>, what = ""): void {
  expect(headers["x-content-type-options"], `${what} nosniff`).toBe("nosniff");
  expect(headers["x-powered-by"], `${what} X-Powered-By`).toBeUndefined();
  expect(headers["set-cookie"], `${what} Set-Cookie`).toBeUndefined();
  expect(headers.server, `${what} Server`).toBeUndefined();
  expect(headers.location, `${what} Location`).toBeUndefined();
  expect(headers["x-request-id"], `${what} X-Request-Id`).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
}

/** Headers of a fetch Response as a plain record. */
export function headersOf(response: Response): Record<string, string> {
  return Object.fromEntries(response.headers.entries());
}

/**
 * Asserts a raw answer is inside the contract: a status from `allowed`,
 * never a redirect, the edge headers, and a problem+json body that echoes
 * no host, URL or stack trace whenever it is an error (`relayed`: a
 * pass-through may relay the upstream's own 4xx JSON instead).
 */
export function expectContractAnswer(
  answer: RawAnswer,
  allowed: readonly number[],
  what = "",
  { relayed = false }: { relayed?: boolean } = {},
): void {
  expect(allowed, `${what}: status ${answer.status}`).toContain(answer.status);
  expectEdgeHeaders(answer.headers, what);
  // A pass-through relays the upstream's own 4xx answer as it is (contract 2.2): JSON, not a problem.
  const relayedAnswer =
    relayed && answer.status < 500 && /^application\/json/.test(answer.headers["content-type"] ?? "");
  if (relayedAnswer) {
    expect(answer.body, what).not.toMatch(/127\.0\.0\.1|localhost/);
  } else if (answer.status >= 400) {
    expect(answer.headers["content-type"], what).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(answer.body) as Record<string, unknown>;
    expect(problem, what).toMatchObject({
      type: expect.any(String),
      title: expect.any(String),
      status: answer.status,
      detail: expect.any(String),
      instance: expect.any(String),
      requestId: answer.headers["x-request-id"],
    });
    expect(answer.body, what).not.toMatch(/127\.0\.0\.1|localhost|https?:\/\/(?!portico\.dev)/);
    expect(answer.body, what).not.toMatch(/\bat .*\.(js|ts):\d+/);
  }
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const LIMIT = /^\d{1,3}$/;

/**
 * The only requests a BFF may send each service, with every id checked
 * (contract section 3): one entry per service of core's `SERVICE_NAMES`.
 */
const UPSTREAM_SHAPES: Record<
  ServiceName,
  { path: RegExp; query: Record<string, (value: string) => boolean> }[]
> = {
  catalog: [
    { path: /^\/products\/[A-Za-z0-9_-]{1,64}$/, query: {} },
    { path: /^\/products$/, query: { ids: idList } },
  ],
  pricing: [
    { path: /^\/prices\/[A-Za-z0-9_-]{1,64}$/, query: {} },
    { path: /^\/prices$/, query: { ids: idList } },
  ],
  reviews: [{ path: /^\/reviews$/, query: { productId: isId, limit: isLimit } }],
  inventory: [
    { path: /^\/stock\/[A-Za-z0-9_-]{1,64}$/, query: {} },
    { path: /^\/stock$/, query: { ids: idList } },
  ],
  shipping: [{ path: /^\/quotes$/, query: { productId: isId } }],
  recommendations: [{ path: /^\/recommendations$/, query: { productId: isId, limit: isLimit } }],
  cart: [{ path: /^\/carts\/[A-Za-z0-9_-]{1,64}$/, query: {} }],
  orders: [{ path: /^\/orders$/, query: { customerId: isId, limit: isLimit } }],
  customers: [{ path: /^\/customers\/[A-Za-z0-9_-]{1,64}$/, query: {} }],
  auth: [{ path: /^\/\.well-known\/jwks\.json$/, query: {} }],
};

function isId(value: string): boolean {
  return ID.test(value);
}
function isLimit(value: string): boolean {
  return LIMIT.test(value);
}
function idList(value: string): boolean {
  const ids = value.split(",");
  return ids.length >= 1 && ids.length <= 100 && ids.every(isId);
}

/** True when a recorded upstream request has one of the shapes above, each parameter once. */
export function isValidUpstreamRequest(request: RecordedRequest): boolean {
  if (request.method !== "GET") return false;
  const params = [...new URLSearchParams(request.query)];
  if (!isServiceName(request.service)) return false;
  return UPSTREAM_SHAPES[request.service].some(({ path, query }) => {
    if (!path.test(request.path)) return false;
    const names = params.map(([name]) => name);
    if (new Set(names).size !== names.length) return false;
    if (names.some((name) => query[name] === undefined)) return false;
    // The raw query holds only what URLSearchParams would write: no stray '#', '/', '..' tricks.
    if (!/^[A-Za-z0-9_,=&%-]*$/.test(request.query)) return false;
    return params.every(([name, value]) => query[name]?.(value) === true);
  });
}

/** Asserts every request the shop received since the last clear was validated and well formed. */
export async function expectCleanUpstreams(shop: DemoShop): Promise<RecordedRequest[]> {
  const requests = await recordedRequests(shop);
  const bad = requests.filter((request) => !isValidUpstreamRequest(request));
  expect(bad, "upstream requests outside the contract").toEqual([]);
  return requests;
}
