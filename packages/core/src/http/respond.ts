import type { Response } from "express";
import { contextOf } from "./context-middleware.js";

/** Sends a JSON answer with the request's `Server-Timing`. */
export function sendJson(res: Response, body: unknown, status = 200): void {
  const timing = contextOf(res).timings.header();
  if (timing !== undefined) res.setHeader("Server-Timing", timing);
  res.status(status).type("application/json").send(JSON.stringify(body));
}
