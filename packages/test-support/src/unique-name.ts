import { randomBytes } from "node:crypto";

/**
 * A name no other test run uses, for a queue, an exchange, an etcd prefix or
 * a Redis key prefix: `portico.test.<what>.<12 hex digits>`.
 */
export function uniqueName(what: string): string {
  return `portico.test.${what}.${randomBytes(6).toString("hex")}`;
}
