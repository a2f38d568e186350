import type { z } from "zod";
import { InvalidInputError, UnsupportedMediaTypeError } from "../errors/index.js";
import type { Exchange } from "./exchange.js";
import type { BodyStep } from "./route-table.js";

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

/** A route step that reads a JSON body; `of(exchange)` is what it read, for the steps after it. */
export interface JsonBodyStep<T> extends BodyStep {
  /** The validated body; only after the step ran (else it throws). */
  of(exchange: Exchange): T;
  /** The JSON value as sent, before defaults (`undefined` without a body): what `fingerprintOf` takes. */
  rawOf(exchange: Exchange): unknown;
}

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * A route's JSON body (contract 2.6), checked in the contract's order after
 * the steps before it (authentication first): `Content-Type:
 * application/json` else 415; a body over the limit 413 (the edge did not
 * read it); then the body the edge read, parsed and validated with `schema`
 * (give it `.strict()` so that an unknown field is refused): 400 whose
 * `detail` names the first bad field.
 *
 * ```ts
 * const body = jsonBody(z.object({ quantity: z.number().int().min(0).max(99) }).strict());
 * routes({ "/cart/items/:productId": { put: [signedIn, requireCustomer(), body, handler] } });
 * // in handler: const { quantity } = body.of(exchange);
 * ```
 */
export function jsonBody<S extends z.ZodType>(
  schema: S,
  { optional = false }: JsonBodyOptions = {},
): JsonBodyStep<z.output<S>> {
  const read = new WeakMap<Exchange, ParsedBody<z.output<S>>>();
  const step = function jsonBody(exchange: Exchange): undefined {
    const refusal = exchange.bodyRefusal;
    const buffer = exchange.body;
    const absent = refusal === undefined && (buffer === undefined || buffer.length === 0);
    if (absent && optional) {
      read.set(exchange, { value: validate(schema, {}), raw: undefined });
      return undefined;
    }
    if (!JSON_TYPE.test(exchange.header("content-type") ?? "")) throw new UnsupportedMediaTypeError();
    if (refusal !== undefined) throw refusal;
    const raw = parse(buffer);
    read.set(exchange, { value: validate(schema, raw), raw });
    return undefined;
  };
  const parsedOf = (exchange: Exchange): ParsedBody<z.output<S>> => {
    const parsed = read.get(exchange);
    if (parsed === undefined) throw new Error("jsonBody: the body step has not run for this request");
    return parsed;
  };
  return Object.assign(step, {
    readsBody: true as const,
    of: (exchange: Exchange) => parsedOf(exchange).value,
    rawOf: (exchange: Exchange) => parsedOf(exchange).raw,
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
