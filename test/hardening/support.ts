import net from "node:net";
import { expect } from "vitest";
import {
  type DemoShop,
  type RecordedRequest,
  type RunningBff,
  recordedRequests,
  startBff,
  startDemoShop,
} from "../support/processes.js";

export const PARTNER_KEY = "hardening-partner-key-0001";
export const TINY_KEY = "hardening-tiny-quota-key-01";
export const SPA_ORIGIN = "https://shop.example";

/** A generous key for fuzzing, and one whose quota runs out after one request. */
const PARTNER_KEYS = JSON.stringify([
  { key: PARTNER_KEY, name: "hardening", ratePerMinute: 1_000_000 },
  { key: TINY_KEY, name: "tiny", ratePerMinute: 1 },
]);

export type BffName = "mobile-bff" | "web-bff" | "partner-bff";
export const BFFS: readonly BffName[] = ["mobile-bff", "web-bff", "partner-bff"];

export interface Stack {
  readonly shop: DemoShop;
  readonly bffs: Readonly<Record<BffName, RunningBff>>;
  stop(): Promise<void>;
}

/**
 * The demo shop and all three BFFs as real processes on free ports: web-bff
 * allows its SPA origin; mobile and partner have no CORS configured.
 */
export async function startStack(
  env: Partial<Record<BffName | "all", Record<string, string>>> = {},
): Promise<Stack> {
  const shop = await startDemoShop();
  const common = { ...shop.env, BREAKER_MIN_REQUESTS: "100000", ...env.all };
  const started = await Promise.allSettled([
    startBff("mobile-bff", { ...common, ...env["mobile-bff"] }),
    startBff("web-bff", { ...common, CORS_ORIGINS: SPA_ORIGIN, ...env["web-bff"] }),
    startBff("partner-bff", { ...common, PARTNER_KEYS, ...env["partner-bff"] }),
  ]);
  const running = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const stop = async () => {
    await Promise.all(running.map((bff) => bff.stop()));
    await shop.stop();
  };
  const failed = started.find((result) => result.status === "rejected");
  if (failed !== undefined) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  const [mobile, web, partner] = running as [RunningBff, RunningBff, RunningBff];
  return { shop, bffs: { "mobile-bff": mobile, "web-bff": web, "partner-bff": partner }, stop };
}

export const portOf = (bff: RunningBff) => Number(new URL(bff.url).port);

export interface RawAnswer {
  /** 0 when the connection closed without an answer. */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly ms: number;
  readonly closed: boolean;
}

export interface RawOptions {
  waitMs?: number;
  /** Writes after connecting: [ms after the previous write, bytes]. */
  trickle?: readonly (readonly [number, string])[];
}

/**
 * Sends bytes as they are (a string as latin1: one char, one byte) on a fresh connection (so no client library
 * normalizes the path or refuses a header) and reads the one answer.
 */
export function raw(
  port: number,
  payload: string | Buffer,
  { waitMs = 5_000, trickle = [] }: RawOptions = {},
) {
  return new Promise<RawAnswer>((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    const timers: NodeJS.Timeout[] = [];
    let done = false;
    const socket = net.connect(port, "127.0.0.1", () => {
      // A string is written byte for byte (latin1): tests spell raw bytes as chars 0-255.
      socket.write(typeof payload === "string" ? Buffer.from(payload, "latin1") : payload);
      let at = 0;
      for (const [delay, bytes] of trickle) {
        at += delay;
        timers.push(setTimeout(() => !socket.destroyed && socket.write(bytes), at));
      }
    });
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      for (const timer of timers) clearTimeout(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ ...parse(Buffer.concat(chunks)), ms: performance.now() - started, closed });
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (complete(Buffer.concat(chunks))) finish(false);
    });
    socket.on("error", () => {});
    socket.on("close", () => finish(true));
    const giveUp = setTimeout(() => finish(false), waitMs);
  });
}

/** A GET as raw bytes, with extra header lines. */
export function rawGet(
  port: number,
  target: string,
  headers: Record<string, string> = {},
  options?: RawOptions,
) {
  const lines = Object.entries({ Host: `127.0.0.1:${port}`, ...headers }).map(([k, v]) => `${k}: ${v}`);
  return raw(port, `GET ${target} HTTP/1.1\r\n${lines.join("\r\n")}\r\nConnection: close\r\n\r\n`, options);
}

function parse(bytes: Buffer): Pick<RawAnswer, "status" | "headers" | "body"> {
  const text = bytes.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return { status: 0, headers: {}, body: "" };
  const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const length = Number(headers["content-length"] ?? 0);
  const body = bytes.subarray(end + 4, end + 4 + length).toString("utf8");
  return { status: Number(statusLine.split(" ")[1] ?? 0), headers, body };
}

function complete(bytes: Buffer): boolean {
  const text = bytes.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
  return length === null ? /^HTTP\/1\.1 (204|304)/.test(text) : bytes.length - (end + 4) >= Number(length[1]);
}

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

/** The only requests a BFF may send each service, with every id checked (contract section 3). */
const UPSTREAM_SHAPES: Record<string, { path: RegExp; query: Record<string, (value: string) => boolean> }[]> =
  {
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
  return (UPSTREAM_SHAPES[request.service] ?? []).some(({ path, query }) => {
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
