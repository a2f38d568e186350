import { setMaxListeners } from "node:events";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { acceptRequestId, createRequestContext, type RequestContext } from "../context.js";
import { ClientClosedError } from "../errors/index.js";

export interface RequestContextOptions {
  /** The whole request's budget (`REQUEST_DEADLINE_MS`). */
  deadlineMs: number;
}

/**
 * Gives each request its RequestContext: request id (the caller's when well
 * formed), deadline, trace context, and a signal that aborts every upstream
 * call when the client goes away before the answer is sent.
 */
export function requestContext({ deadlineMs }: RequestContextOptions): RequestHandler {
  return function requestContext(req: Request, res: Response, next: NextFunction): void {
    const controller = new AbortController();
    // Every upstream call of the request listens to this signal; a batch makes many.
    setMaxListeners(0, controller.signal);
    const ctx = createRequestContext({
      requestId: acceptRequestId(req.get("x-request-id")),
      deadlineMs,
      signal: controller.signal,
      traceparent: req.get("traceparent"),
    });
    res.locals.ctx = ctx;
    res.setHeader("X-Request-Id", ctx.requestId);
    res.on("close", () => {
      if (!res.writableFinished) controller.abort(new ClientClosedError());
    });
    next();
  };
}

/** The request's context; set by `requestContext`, which every Portico app mounts first. */
export function contextOf(res: Response): RequestContext {
  const ctx = res.locals.ctx as RequestContext | undefined;
  if (ctx === undefined) throw new Error("requestContext middleware is not mounted");
  return ctx;
}

/** Replaces the request's context (e.g. with the authenticated identity). */
export function setContext(res: Response, ctx: RequestContext): void {
  res.locals.ctx = ctx;
}
