import { isGatewayError } from "../errors/index.js";

/**
 * What the circuit breaker counts against a service: timeouts, 5xx,
 * connection errors and wrongly shaped answers. A 404 or another 4xx is an
 * answer; a call the client abandoned or that never started says nothing
 * about the service (see `isAbandoned`).
 */
export function isServiceFailure(error: unknown): boolean {
  if (!isGatewayError(error)) return true;
  switch (error.code) {
    case "UPSTREAM_STATUS":
    case "UPSTREAM_BAD_RESPONSE":
    case "UPSTREAM_CONNECTION":
    case "UPSTREAM_TIMEOUT":
      return true;
    default:
      return false;
  }
}

/**
 * A call that tells nothing about the service either way: the client went
 * away, or the deadline was gone before the call could start. The circuit
 * breaker counts it neither as a failure nor as a success.
 */
export function isAbandoned(error: unknown): boolean {
  return isGatewayError(error) && (error.code === "CLIENT_CLOSED" || error.code === "DEADLINE_EXCEEDED");
}

const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * What an idempotent call may retry: a connection refused or reset before
 * any answer, or a 502/503/504. A 500 or a timeout is not retried: the
 * service may be working on it, and a retry would double the load.
 * Decided by error code (and status), never by class identity or message.
 */
export function isRetryable(error: unknown): boolean {
  if (!isGatewayError(error)) return false;
  if (error.code === "UPSTREAM_CONNECTION") {
    return (error as { beforeResponse?: unknown }).beforeResponse === true;
  }
  if (error.code === "UPSTREAM_STATUS") {
    const status = (error as { upstreamStatus?: unknown }).upstreamStatus;
    return typeof status === "number" && RETRYABLE_STATUSES.has(status);
  }
  return false;
}

/**
 * What a write may retry: only a connection refused before anything was
 * sent (contract 2.6), so the service cannot have seen it. Never a reset
 * (the request may have arrived), a timeout, or any status: a write's
 * outcome is then uncertain, and the client retries with its
 * `Idempotency-Key` if it wants to.
 */
export function isRetryableWrite(error: unknown): boolean {
  return (
    isGatewayError(error) &&
    error.code === "UPSTREAM_CONNECTION" &&
    (error as { notSent?: unknown }).notSent === true
  );
}
