import { isGatewayError } from "../../errors/index.js";

/** A failure's `error.type`: its stable code (`UPSTREAM_TIMEOUT`), else its class name. */
export function errorTypeOf(error: unknown): string {
  if (isGatewayError(error)) return error.code;
  return error instanceof Error ? error.name : "Error";
}

/** A failure's status description: a gateway error's message is safe to show (no URL, no host). */
export function errorMessageOf(error: unknown): string {
  return isGatewayError(error) ? error.message : errorTypeOf(error);
}
