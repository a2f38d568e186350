import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { RequestContext } from "../context.js";
import type { Answer } from "./answer.js";
import {
  COMPRESS_MIN_BYTES,
  type Coding,
  compressBody,
  compressStream,
  preferredCoding,
} from "./compression.js";
import { ifNoneMatchMatches, weakEtagOf, weakened } from "./etag.js";
import { isKeptHeader } from "./response-hygiene.js";

export interface AnswerWriterOptions {
  /** Every answer varies on `Origin` (CORS is on). */
  readonly varyOnOrigin: boolean;
  /** `COMPRESSION=on`. */
  readonly compression: boolean;
  /** `CLIENT_MAX_AGE_S`, for anonymous fresh composites. */
  readonly clientMaxAgeS: number;
}

/** One request's answer as the edge writes it. */
export interface Outgoing {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly ctx: RequestContext;
  /** The edge's headers first: security headers, `X-Request-Id`, CORS, the steps' own; flat. */
  readonly head: OutgoingHttpHeader[];
}

/**
 * Writes an `Answer` on the wire with one `writeHead` (contract 2.8):
 * the route's headers minus stripped ones, `Cache-Control` (a composite's
 * by its freshness and caller, a signed-in caller's `private, no-cache`
 * unless the route chose), a composite's weak `ETag` and its 304, the body
 * compressed with the client's preferred coding when it is over 1,024
 * bytes (a stream through zlib as it comes), one merged `Vary`, and
 * `Server-Timing`.
 */
export class AnswerWriter {
  readonly #options: AnswerWriterOptions;
  readonly #publicCache: string;

  constructor(options: AnswerWriterOptions) {
    this.#options = options;
    this.#publicCache = `public, max-age=${options.clientMaxAgeS}`;
  }

  write({ req, res, method, ctx, head }: Outgoing, answer: Answer): void {
    let status = answer.status;
    let body = answer.body;
    let vary: string | undefined;
    let cacheControl: string | undefined;
    let etag: string | undefined;
    let length: string | undefined;
    let encoded = false;
    const given = answer.headers;
    for (let i = 0; i + 1 < given.length; i += 2) {
      const name = String(given[i]);
      if (!isKeptHeader(name)) continue;
      const value = given[i + 1] as OutgoingHttpHeader;
      switch (name.toLowerCase()) {
        case "vary":
          vary = String(value);
          continue;
        case "cache-control":
          cacheControl = String(value);
          continue;
        case "etag":
          etag = String(value);
          continue;
        case "content-length":
          length = String(value);
          continue;
        case "content-encoding":
          encoded = true;
          break;
      }
      head.push(name, value);
    }

    const composite = answer.composite;
    if (composite !== undefined) {
      cacheControl = composite.degraded
        ? "no-store"
        : ctx.identity !== undefined
          ? "private, no-cache"
          : this.#publicCache;
    } else if (cacheControl === undefined && ctx.identity !== undefined) {
      cacheControl = "private, no-cache";
    }
    if (cacheControl !== undefined) head.push("Cache-Control", cacheControl);

    const whole = typeof body === "string" || Buffer.isBuffer(body);
    const size = whole
      ? Buffer.byteLength(body as string | Buffer)
      : length === undefined
        ? undefined
        : Number(length);
    // A streamed body of unknown length counts as over the threshold.
    const large = size === undefined ? !whole && isReadable(body) : size > COMPRESS_MIN_BYTES;
    if (composite !== undefined && status === 200 && whole) {
      etag = weakEtagOf(body as string | Buffer);
      const ifNoneMatch = req.headers["if-none-match"];
      if ((method === "GET" || method === "HEAD") && ifNoneMatchMatches(ifNoneMatch, etag)) {
        status = 304;
        body = undefined;
      }
    }
    const compression = this.#options.compression;
    const coding: Coding | undefined =
      compression && large && !encoded && method !== "HEAD" && status !== 204 && status !== 304
        ? preferredCoding(acceptEncodingOf(req))
        : undefined;

    if (coding !== undefined && whole) {
      body = compressBody(body as string | Buffer, coding);
      head.push("Content-Encoding", coding);
    }
    if (coding !== undefined && etag !== undefined) etag = weakened(etag);
    if (etag !== undefined) head.push("ETag", etag);
    // An upstream's encoded body was chosen by the client's Accept-Encoding, forwarded: it varies on it too.
    const varies = mergeVary(vary, (compression && large) || encoded, this.#options.varyOnOrigin);
    if (varies !== undefined) head.push("Vary", varies);
    const timing = ctx.timings.header();
    if (timing !== undefined) head.push("Server-Timing", timing);

    if (typeof body === "string" || Buffer.isBuffer(body)) {
      head.push("Content-Length", String(Buffer.byteLength(body)));
      res.writeHead(status, head);
      // A HEAD request gets the headers only: node leaves the body out itself.
      res.end(body);
      return;
    }
    if (body === undefined) {
      if (status !== 204 && status !== 304) head.push("Content-Length", length ?? "0");
      res.writeHead(status, head);
      res.end();
      return;
    }
    if (typeof body === "function") {
      res.writeHead(status, head);
      body(res);
      return;
    }
    if (coding === undefined && length !== undefined) head.push("Content-Length", length);
    if (coding !== undefined) head.push("Content-Encoding", coding);
    res.writeHead(status, head);
    if (method === "HEAD" || status === 204 || status === 304) {
      // No body goes out: the stream is dropped (an undici body errors when destroyed unread).
      body.on("error", () => {});
      body.destroy();
      res.end();
      return;
    }
    pipeOut(body, res, coding, size);
  }
}

/** Streams `body` (`size` bytes, when known) to `res`, through zlib when `coding` is set; a failure midway can only end the connection. */
function pipeOut(
  body: Readable,
  res: ServerResponse,
  coding: Coding | undefined,
  size: number | undefined,
): void {
  res.once("close", () => {
    if (!res.writableFinished) body.destroy();
  });
  body.on("error", () => res.destroy());
  if (coding === undefined) {
    body.pipe(res);
    return;
  }
  const zip = compressStream(coding, body, size);
  zip.on("error", () => res.destroy());
  res.once("close", () => {
    if (!res.writableFinished) zip.destroy();
  });
  zip.pipe(res);
}

function acceptEncodingOf(req: IncomingMessage): string | undefined {
  const value = req.headers["accept-encoding"];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** One `Vary`: the route's own values, `Accept-Encoding`, `Origin`, each once (case-insensitive). */
function mergeVary(own: string | undefined, acceptEncoding: boolean, origin: boolean): string | undefined {
  if (own === undefined) {
    if (acceptEncoding) return origin ? "Accept-Encoding, Origin" : "Accept-Encoding";
    return origin ? "Origin" : undefined;
  }
  const values: string[] = [];
  const seen = new Set<string>();
  const add = (value: string) => {
    const key = value.toLowerCase();
    if (key === "" || seen.has(key)) return;
    seen.add(key);
    values.push(value);
  };
  for (const value of own.split(",")) add(value.trim());
  if (acceptEncoding) add("Accept-Encoding");
  if (origin) add("Origin");
  return values.length === 0 ? undefined : values.join(", ");
}

function isReadable(body: Answer["body"]): body is Readable {
  return typeof body === "object" && body !== null && !Buffer.isBuffer(body);
}
