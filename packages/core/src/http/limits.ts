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
 * as a Buffer in `req.body`: a route that wants one parses that Buffer
 * rather than reading the stream again. A declared `Content-Length` over the
 * limit is never read, and a streamed body stops being read once past it;
 * either way the connection is closed after the answer, so the rest of the
 * body is never drained.
 *
 * The 413 itself is deferred to the route (`bodyRefusalOf`), because the
 * contract checks 401 and 415 before 413 on a route that takes a body
 * (2.6): `mountRoutes` starts every route that takes none with
 * `refuseOversizedBody`, as do the 404 and 405 answers, so such a request
 * is still a 413 before anything else runs; a route that takes one
 * (`jsonBody`) throws it after its authentication and media-type checks.
 * No body over the limit ever reaches a handler.
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
      deferRefusal(req, res, new PayloadTooLargeError(maxBodyBytes));
      next();
      return;
    }
    readBody(req, maxBodyBytes).then(
      (body) => {
        req.body = body;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof PayloadTooLargeError)) return next(error);
        deferRefusal(req, res, error);
        next();
      },
    );
  };
}

const REFUSED_BODY = Symbol("portico.refusedBody");

type RefusableRequest = Request & { [REFUSED_BODY]?: PayloadTooLargeError };

function deferRefusal(req: Request, res: Response, error: PayloadTooLargeError): void {
  res.setHeader("Connection", "close");
  (req as RefusableRequest)[REFUSED_BODY] = error;
  // A route a team mounts on express directly (not through `mountRoutes`)
  // has no refusal step: reading the body it never got is the 413 there.
  Object.defineProperty(req, "body", {
    configurable: true,
    get() {
      throw error;
    },
  });
}

/** The 413 `requestLimits` deferred for this request (its body was over the limit), if any. */
export function bodyRefusalOf(req: Request): PayloadTooLargeError | undefined {
  return (req as RefusableRequest)[REFUSED_BODY];
}

/**
 * Answers the 413 `requestLimits` deferred, before anything else of the
 * route runs. `mountRoutes` puts it first on every route that takes no body.
 */
export function refuseOversizedBody(): RequestHandler {
  return function refuseOversizedBody(req: Request, _res: Response, next: NextFunction): void {
    const refusal = bodyRefusalOf(req);
    if (refusal !== undefined) throw refusal;
    next();
  };
}

/**
 * Marks a handler as the step that reads a route's body (`jsonBody`): a
 * route with one answers its own 413, after the checks that come first.
 */
export const TAKES_BODY: unique symbol = Symbol.for("@portico/core.takesBody");

/** Whether `handler` is a body step (see `TAKES_BODY`). */
export function takesBody(handler: unknown): boolean {
  return typeof handler === "function" && (handler as { [TAKES_BODY]?: unknown })[TAKES_BODY] === true;
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
