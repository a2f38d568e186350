import type { ServerResponse } from "node:http";
import type { ErrorRequestHandler, NextFunction, Request, Response } from "express";
import type { RequestContext } from "../context.js";
import { ERROR_CODES } from "../errors/codes.js";
import { GatewayError, InvalidInputError, isGatewayError } from "../errors/index.js";

/** An RFC 9457 problem document, as every Portico error is answered. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  code: string;
}

const TYPE_BASE = "https://portico.dev/problems/";

/** Maps any thrown value to its problem: the one place errors become HTTP. */
export function problemOf(error: unknown, instance: string, requestId: string): Problem {
  const known = toGatewayError(error);
  const { title } = ERROR_CODES[known.code];
  // The code's status, unless this error carries its own (a relayed write's 4xx).
  const status = known.status;
  return {
    type: `${TYPE_BASE}${known.code.toLowerCase().replaceAll("_", "-")}`,
    title,
    status,
    detail: known.message,
    instance,
    requestId,
    code: known.code,
  };
}

function toGatewayError(error: unknown): GatewayError {
  if (isGatewayError(error)) return error;
  // body-parser and express raise errors with an HTTP status for bad input.
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new InvalidInputError("The request could not be read");
  }
  return new GatewayError("INTERNAL", "Unexpected error");
}

/** Writes a problem+json answer, with Retry-After and Server-Timing where they apply. */
export function sendProblem(res: Response, error: unknown, instance: string, ctx?: RequestContext): void {
  writeProblem(res, error, instance, ctx);
}

/**
 * `sendProblem` on node's own response (the fast path has no express
 * around it): the same answer, byte for byte, from both paths.
 */
export function writeProblem(
  res: ServerResponse,
  error: unknown,
  instance: string,
  ctx?: RequestContext,
): void {
  const requestId = ctx?.requestId ?? String(res.getHeader("X-Request-Id") ?? "");
  const problem = problemOf(error, instance, requestId);
  if (problem.status === 499 || res.headersSent) {
    // Nobody is listening, or an answer already started: just end it.
    if (!res.writableEnded) res.destroy();
    return;
  }
  const retryAfter = isGatewayError(error) ? error.retryAfterS : undefined;
  if (retryAfter !== undefined) res.setHeader("Retry-After", String(retryAfter));
  const timing = ctx?.timings.header();
  if (timing !== undefined) res.setHeader("Server-Timing", timing);
  const body = JSON.stringify(problem);
  res.statusCode = problem.status;
  res.setHeader("Content-Type", "application/problem+json; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  // A HEAD request gets the headers only: node leaves the body out itself.
  res.end(body);
}

export interface ErrorHandlerOptions {
  /** Told of every unexpected (non-gateway) error, for logging. */
  onUnexpected?: (error: unknown, req: Request) => void;
}

/** The express error handler that ends every failed request with problem+json. */
export function problemHandler({ onUnexpected }: ErrorHandlerOptions = {}): ErrorRequestHandler {
  return function problemHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
    if (!isGatewayError(error) && onUnexpected) onUnexpected(error, req);
    sendProblem(res, error, req.path, res.locals.ctx as RequestContext | undefined);
  };
}
