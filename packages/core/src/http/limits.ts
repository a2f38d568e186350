import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { ClientClosedError, InvalidInputError, PayloadTooLargeError } from "../errors/index.js";

/**
 * The edge's input limits (contract section 6) and their defaults. Header
 * size and the slowloris timeout are enforced by the HTTP server itself
 * (`edgeServerOptions`); the others by the edge (`Edge`).
 */
export const EDGE_LIMITS = {
  /** Request line plus headers; larger is 431 (Node's `maxHeaderSize`). */
  maxHeaderBytes: 16 * 1024,
  /** The request target (path and query); longer is 414. */
  maxUrlBytes: 4 * 1024,
  /** Any request body; larger is 413. */
  maxBodyBytes: 64 * 1024,
  /** `&`-separated query parameters; more is 400. */
  maxQueryParams: 32,
  /** Headers not complete within this are a closed connection (`HEADERS_TIMEOUT_MS`). */
  headersTimeoutMs: 10_000,
} as const;

/**
 * Whether the request announces a body: a `Content-Length` other than 0,
 * or `Transfer-Encoding` (chunked). Such a body is read by the edge, up to
 * `EDGE_LIMITS.maxBodyBytes`, before a route's steps run.
 */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers["content-length"];
  return headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** Non-empty `&`-separated pieces of a query string (without its `?`). */
export function countQueryParams(query: string): number {
  let count = 0;
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf("&", start);
    if (end === -1) end = query.length;
    if (end > start) count++;
    start = end + 1;
  }
  return count;
}

/**
 * Reads a request's body, up to `maxBytes`: a declared `Content-Length`
 * beyond it is refused unread, and a streamed body stops being read once
 * past it (413 either way: the edge then closes the connection, so the rest
 * is never drained). A client that leaves mid-body is a `ClientClosedError`.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const length = req.headers["content-length"];
  if (length !== undefined && Number(length) > maxBytes) {
    return Promise.reject(new PayloadTooLargeError(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (settle: () => void) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      settle();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        done(() => reject(new PayloadTooLargeError(maxBytes)));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done(() => resolve(Buffer.concat(chunks, size)));
    const onError = () => done(() => reject(new InvalidInputError("The request body could not be read")));
    // 'close' before 'end': the client went away mid-body.
    const onClose = () => done(() => reject(new ClientClosedError()));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}
