import type { Response } from "express";
import { contextOf } from "./context-middleware.js";

/**
 * Sends a JSON answer with the request's `Server-Timing`. Written with
 * node's own `res.end`: express's `res.send` would re-derive the charset,
 * check freshness and convert the body again on every answer.
 */
export function sendJson(res: Response, body: unknown, status = 200): void {
  const text = JSON.stringify(body) ?? "null";
  const timing = contextOf(res).timings.header();
  if (timing !== undefined) res.setHeader("Server-Timing", timing);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(text));
  // A HEAD request gets the headers only: node leaves the body out itself.
  res.end(text);
}
