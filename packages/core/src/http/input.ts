import { z } from "zod";
import { InvalidInputError } from "../errors/index.js";

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A product or customer id in a zod schema (query or params validation). */
export const idSchema = z.string().regex(ID, "must match ^[A-Za-z0-9_-]{1,64}$");

/** True for a well-formed product or customer id (contract section 2). */
export function isValidId(value: unknown): value is string {
  return typeof value === "string" && ID.test(value);
}

/**
 * The id, or a 400 before anything reaches an upstream. The bad value is
 * not echoed: it may be long or hostile.
 */
export function requireId(value: unknown, name: string): string {
  if (isValidId(value)) return value;
  throw new InvalidInputError(`${name} must match ^[A-Za-z0-9_-]{1,64}$`);
}
