import type { Response } from "express";
import type { RequestContext } from "../context.js";

/** In an express route a team mounts on the app: the request's context, which the edge put in `res.locals`. */
export function contextOf(res: Response): RequestContext {
  const ctx = res.locals.ctx as RequestContext | undefined;
  if (ctx === undefined) throw new Error("the request did not come through the edge");
  return ctx;
}
