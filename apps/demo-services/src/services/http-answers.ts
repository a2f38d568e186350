import type { Request, Response } from "express";
import type { z } from "zod";
import { isValidId } from "../ids.js";

/** `404 {"error":"not_found"}`, the answer for every unknown id or path. */
export function notFound(res: Response): void {
  res.status(404).json({ error: "not_found" });
}

/** `400 {"error":"bad_request","detail":…}` for a missing or invalid input. */
export function badRequest(res: Response, detail: string): void {
  res.status(400).json({ error: "bad_request", detail });
}

/** One query parameter as a single string; repeated parameters count as invalid. */
function queryString(req: Request, name: string): string | undefined | null {
  const value = req.query[name];
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : null;
}

/** A required id query parameter, or undefined after answering 400. */
export function requiredIdParam(req: Request, res: Response, name: string): string | undefined {
  const value = queryString(req, name);
  if (!isValidId(value)) {
    badRequest(res, `query parameter "${name}" must be an id matching ^[A-Za-z0-9_-]{1,64}$`);
    return undefined;
  }
  return value;
}

/** A path id, or undefined after answering 400. */
export function pathId(req: Request, res: Response, name = "id"): string | undefined {
  const value = req.params[name];
  if (!isValidId(value)) {
    badRequest(res, `path parameter "${name}" must be an id matching ^[A-Za-z0-9_-]{1,64}$`);
    return undefined;
  }
  return value;
}

/**
 * The optional `limit` query parameter: a non-negative integer, capped at
 * `max`. Returns undefined after answering 400.
 */
export function limitParam(req: Request, res: Response, defaults: { fallback: number; max: number }) {
  const raw = queryString(req, "limit");
  if (raw === undefined) return defaults.fallback;
  if (raw === null || !/^\d{1,6}$/.test(raw)) {
    badRequest(res, 'query parameter "limit" must be a non-negative integer');
    return undefined;
  }
  return Math.min(Number(raw), defaults.max);
}

export const MAX_BATCH_IDS = 100;

/**
 * The `ids` query parameter of batch endpoints (`ids=a,b,c`), without
 * duplicates, in request order. Returns undefined after answering 400.
 */
export function idsParam(req: Request, res: Response): string[] | undefined {
  const raw = queryString(req, "ids");
  const ids = raw ? [...new Set(raw.split(","))] : [];
  if (ids.length === 0 || ids.length > MAX_BATCH_IDS || !ids.every(isValidId)) {
    badRequest(res, `query parameter "ids" must be 1 to ${MAX_BATCH_IDS} comma-separated ids`);
    return undefined;
  }
  return ids;
}

/** `items[0].quantity` for the path `["items", 0, "quantity"]`. */
function fieldName(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join("");
}

/**
 * `400 {"error":"bad_request","detail":…,"field":…}` for a request body that
 * failed its schema: the first problem, naming the field (`items[0].quantity`).
 * A body that is not a JSON object at all has no `field`.
 */
export function badBody(res: Response, error: z.ZodError): void {
  const issue = error.issues[0];
  const path = [...(issue?.path ?? [])];
  let problem = issue?.message ?? "invalid";
  if (issue?.code === "unrecognized_keys" && issue.keys[0] !== undefined) {
    path.push(issue.keys[0]);
    problem = "unknown field";
  }
  if (path.length === 0) {
    res.status(400).json({ error: "bad_request", detail: `the body must be a JSON object: ${problem}` });
    return;
  }
  const field = fieldName(path);
  res.status(400).json({ error: "bad_request", detail: `body field "${field}": ${problem}`, field });
}
