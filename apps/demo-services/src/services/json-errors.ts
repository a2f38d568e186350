import type { NextFunction, Request, Response } from "express";

interface HttpishError {
  status?: unknown;
  type?: unknown;
}

/**
 * Last error handler: answers JSON, never express's HTML page or a stack.
 * Body-parser errors carry their own 4xx status (bad JSON 400, too large 413).
 */
export function jsonErrors() {
  return function jsonErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = (error as HttpishError | null)?.status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      res.status(status).json({ error: "bad_request", detail: String((error as HttpishError).type ?? "") });
      return;
    }
    res.status(500).json({ error: "internal" });
  };
}
