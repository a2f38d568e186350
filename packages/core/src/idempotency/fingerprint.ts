import { createHash } from "node:crypto";

/**
 * The canonical JSON text of a parsed JSON value: object keys sorted (by
 * UTF-16 code unit), no spacing, numbers and strings as `JSON.stringify`
 * writes them. Two texts that parse to the same value give the same
 * canonical text. As in `JSON.stringify`, `undefined` (and functions)
 * inside an object are left out, inside an array written as `null`.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    // `JSON.stringify` throws on a bigint, as it should: no JSON body holds one.
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(",")}]`;
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
    members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(",")}}`;
}

/**
 * The fingerprint of a request body for `Idempotency-Key` checks: sha256
 * (hex) of its canonical JSON, so key order and spacing do not count
 * (`{"a":1,"b":2}` and `{ "b": 2, "a": 1 }` are the same request) while any
 * other difference does. `undefined` (no body) has a fingerprint of its own,
 * distinct from `null` and `{}`.
 *
 * ```ts
 * fingerprintOf(JSON.parse(text)); // "3f2a…" (64 hex digits)
 * ```
 */
export function fingerprintOf(body: unknown): string {
  const text = body === undefined ? "" : canonicalJson(body);
  return createHash("sha256").update(text).digest("hex");
}
