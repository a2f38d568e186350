import type { NextFunction, Request, RequestHandler, Response } from "express";
import {
  ClientClosedError,
  InvalidInputError,
  PayloadTooLargeError,
  UriTooLongError,
} from "../errors/index.js";

/**
 * The edge's input limits (contract section 6) and their defaults. Header
 * size and the slowloris timeout are enforced by the HTTP server itself
 * (`edgeServerOptions`); the others by `requestLimits`.
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

export interface RequestLimitsOptions {
  /** Longest request target in bytes; default 4096 (414 beyond). */
  maxUrlBytes?: number;
  /** Most query parameters; default 32 (400 beyond). */
  maxQueryParams?: number;
  /** Largest request body in bytes; default 65536 (413 beyond). */
  maxBodyBytes?: number;
}

/**
 * Refuses oversized input before any route sees it: a URL longer than
 * `maxUrlBytes` (414), more than `maxQueryParams` query parameters (400),
 * a body larger than `maxBodyBytes` (413).
 *
 * A request that carries a body has it read here, up to the limit, and kept
 * as a Buffer in `req.body`: no route takes a body today, so the limit holds
 * for every request, and a route that wants one parses that Buffer rather
 * than reading the stream again. A declared `Content-Length` over the limit
 * is refused without reading a byte, and the connection is closed after the
 * answer so the rest of the body is never drained.
 */
export function requestLimits({
  maxUrlBytes = EDGE_LIMITS.maxUrlBytes,
  maxQueryParams = EDGE_LIMITS.maxQueryParams,
  maxBodyBytes = EDGE_LIMITS.maxBodyBytes,
}: RequestLimitsOptions = {}): RequestHandler {
  return function requestLimits(req: Request, res: Response, next: NextFunction): void {
    // originalUrl is the raw request target: latin1 from the parser, so one char is one byte.
    const url = req.originalUrl;
    if (url.length > maxUrlBytes) throw new UriTooLongError(maxUrlBytes);
    const queryAt = url.indexOf("?");
    if (queryAt !== -1 && countQueryParams(url.slice(queryAt + 1)) > maxQueryParams) {
      throw new InvalidInputError(`At most ${maxQueryParams} query parameters are accepted`);
    }
    const length = req.headers["content-length"];
    const chunked = req.headers["transfer-encoding"] !== undefined;
    if (!chunked && (length === undefined || length === "0")) {
      next();
      return;
    }
    if (length !== undefined && Number(length) > maxBodyBytes) {
      res.setHeader("Connection", "close");
      throw new PayloadTooLargeError(maxBodyBytes);
    }
    readBody(req, maxBodyBytes).then(
      (body) => {
        req.body = body;
        next();
      },
      (error: unknown) => {
        if (error instanceof PayloadTooLargeError) res.setHeader("Connection", "close");
        next(error);
      },
    );
  };
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

function readBody(req: Request, maxBytes: number): Promise<Buffer> {
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
