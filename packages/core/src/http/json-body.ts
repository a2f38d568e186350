import type { NextFunction, Request, Response } from "express";
import type { z } from "zod";
import { InvalidInputError, UnsupportedMediaTypeError } from "../errors/index.js";
import { bodyRefusalOf, TAKES_BODY } from "./limits.js";

export interface JsonBodyOptions {
  /**
   * Whether a request may come without a body (none, or zero bytes); it is
   * then validated as `{}`, so the schema's defaults apply. Default false.
   */
  optional?: boolean;
}

/** The body a `jsonBody` step read: `value` validated, `raw` the JSON as sent (`undefined`: none). */
export interface ParsedBody<T> {
  readonly value: T;
  readonly raw: unknown;
}

/** A route step that reads a JSON body; `of(res)` is what it read, for the handlers after it. */
export interface JsonBodyStep<T> {
  (req: Request, res: Response, next: NextFunction): void;
  readonly [TAKES_BODY]: true;
  /** The validated body; only after the step ran (else it throws). */
  of(res: Response): T;
  /** The JSON value as sent, before defaults (`undefined` without a body): what `fingerprintOf` takes. */
  rawOf(res: Response): unknown;
}

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * A route's JSON body (contract 2.6), checked in the contract's order after
 * the steps before it (authentication first): `Content-Type:
 * application/json` else 415; a body over the limit 413 (deferred by
 * `requestLimits`); then the body, already read into `req.body`, parsed and
 * validated with `schema` (give it `.strict()` so that an unknown field is
 * refused): 400 whose `detail` names the first bad field.
 *
 * ```ts
 * const body = jsonBody(z.object({ quantity: z.number().int().min(0).max(99) }).strict());
 * mountRoutes(app, { "/cart/items/:productId": { put: [signedIn, requireCustomer(), body, handler] } });
 * // in handler: const { quantity } = body.of(res);
 * ```
 */
export function jsonBody<S extends z.ZodType>(
  schema: S,
  { optional = false }: JsonBodyOptions = {},
): JsonBodyStep<z.output<S>> {
  const read = new WeakMap<Response, ParsedBody<z.output<S>>>();
  const step = function jsonBody(req: Request, res: Response, next: NextFunction): void {
    const refusal = bodyRefusalOf(req);
    // An oversized body was never read (reading `req.body` would throw the 413 now).
    const buffer = refusal === undefined && Buffer.isBuffer(req.body) ? req.body : undefined;
    const absent = refusal === undefined && (buffer === undefined || buffer.length === 0);
    if (absent && optional) {
      read.set(res, { value: validate(schema, {}), raw: undefined });
      next();
      return;
    }
    if (!JSON_TYPE.test(req.get("content-type") ?? "")) throw new UnsupportedMediaTypeError();
    if (refusal !== undefined) throw refusal;
    const raw = parse(buffer);
    read.set(res, { value: validate(schema, raw), raw });
    next();
  };
  const parsedOf = (res: Response): ParsedBody<z.output<S>> => {
    const parsed = read.get(res);
    if (parsed === undefined) throw new Error("jsonBody: the body step has not run for this request");
    return parsed;
  };
  return Object.assign(step, {
    [TAKES_BODY]: true as const,
    of: (res: Response) => parsedOf(res).value,
    rawOf: (res: Response) => parsedOf(res).raw,
  });
}

function parse(buffer: Buffer | undefined): unknown {
  if (buffer === undefined || buffer.length === 0) throw new InvalidInputError("A JSON body is required");
  try {
    return JSON.parse(buffer.toString("utf8")) as unknown;
  } catch {
    throw new InvalidInputError("The body is not valid JSON");
  }
}

function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new InvalidInputError("The body is invalid");
  // An unknown field (`.strict()`) is named by its key, not by the object holding it.
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  const path = [...issue.path, ...keys.slice(0, 1)].map(String).join(".");
  if (path === "") throw new InvalidInputError(`The body is invalid: ${issue.message}`);
  const what = issue.code === "unrecognized_keys" ? "is not a known field" : issue.message;
  throw new InvalidInputError(`body field "${path}": ${what}`);
}
