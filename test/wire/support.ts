import http, { type IncomingHttpHeaders } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { expect } from "vitest";

/**
 * What came back on the wire, bytes as they were: node's http client
 * neither sends an `Accept-Encoding` of its own nor decodes a body (fetch
 * does both, which would hide what these tests look at).
 */
export interface WireAnswer {
  readonly status: number;
  /** Lower-case names; node joins a repeated header's values with ", ". */
  readonly headers: IncomingHttpHeaders;
  /** Name, value, name, value, … as received: one entry per header line. */
  readonly rawHeaders: readonly string[];
  /** The body's bytes, still encoded. */
  readonly body: Buffer;
}

export interface WireRequest {
  method?: string;
  headers?: Readonly<Record<string, string>>;
  body?: string;
}

/** One request on a fresh connection (no keep-alive pool between tests). */
export function wire(
  url: string,
  { method = "GET", headers = {}, body }: WireRequest = {},
): Promise<WireAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on("error", reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer from ${method} ${url} in 15 s`)));
    req.end(body);
  });
}

/** Every value of the header lines named `name` (case-insensitive), one per line. */
export function headerLines(answer: WireAnswer, name: string): string[] {
  const lines: string[] = [];
  const wanted = name.toLowerCase();
  for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
    if ((answer.rawHeaders[i] as string).toLowerCase() === wanted)
      lines.push(answer.rawHeaders[i + 1] as string);
  }
  return lines;
}

/** The one value of a header that must appear at most once; fails the test on a repeated line. */
export function single(answer: WireAnswer, name: string): string | undefined {
  const lines = headerLines(answer, name);
  expect(lines.length, `${name} lines: ${JSON.stringify(lines)}`).toBeLessThanOrEqual(1);
  return lines[0];
}

/** The `Vary` values, lower-case, over every `Vary` line. */
export function varyOf(answer: WireAnswer): string[] {
  return headerLines(answer, "vary")
    .flatMap((line) => line.split(","))
    .map((value) => value.trim().toLowerCase())
    .filter((value) => value !== "");
}

/** The body decoded by its `Content-Encoding` (none, gzip or br). */
export function decoded(answer: WireAnswer): Buffer {
  const coding = answer.headers["content-encoding"];
  if (coding === undefined) return answer.body;
  if (coding === "gzip") return gunzipSync(answer.body);
  if (coding === "br") return brotliDecompressSync(answer.body);
  throw new Error(`unexpected Content-Encoding ${coding}`);
}

/** The decoded body as JSON. */
export function jsonOf<T = Record<string, unknown>>(answer: WireAnswer): T {
  return JSON.parse(decoded(answer).toString("utf8")) as T;
}

/** An `X-API-Key` of the partner stacks of these tests, with a quota no test reaches. */
export const PARTNER_KEY = "wire-partner-key-0123456789";
export const PARTNER_KEYS = JSON.stringify([{ key: PARTNER_KEY, name: "wire", ratePerMinute: 1_000_000 }]);

/** Enough ids for a partner product list of well over 1 KB. */
export const MANY_IDS = Array.from({ length: 20 }, (_, i) => `p${i + 1}`).join(",");
