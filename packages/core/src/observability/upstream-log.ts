import type { UpstreamOutcome } from "../client/upstream-observer.js";
import { isGatewayError } from "../errors/index.js";
import type { CircuitState } from "../resilience/circuit-breaker-policy.js";
import type { Logger } from "./logger.js";

/** A failed upstream call is a warning (with its reason's code, never a URL); a short-circuited one only debug. */
export function logUpstreamCall(
  logger: Logger,
  service: string,
  outcome: UpstreamOutcome,
  durationMs: number,
  error: unknown,
): void {
  if (outcome === "error" || outcome === "timeout" || outcome === "rejected") {
    if (logger.isLevelEnabled("warn")) {
      logger.warn(
        { service, outcome, reason: reasonOf(error), durationMs: Math.round(durationMs * 10) / 10 },
        "upstream call failed",
      );
    }
  } else if (outcome === "short-circuited" && logger.isLevelEnabled("debug")) {
    // One warning when the circuit opens says it all; each fast failure is only debug.
    logger.debug({ service, outcome }, "upstream call short-circuited");
  }
}

/** A circuit that opens is a warning; one that closes or half-opens is info. */
export function logCircuitChange(logger: Logger, service: string, state: CircuitState): void {
  const fields = { service, circuit: state };
  if (state === "open") logger.warn(fields, "circuit opened");
  else if (state === "closed") logger.info(fields, "circuit closed");
  else logger.info(fields, "circuit half-open");
}

/** Why an upstream call failed, by its stable code (never a URL). */
function reasonOf(error: unknown): string {
  if (isGatewayError(error)) {
    const status = (error as { upstreamStatus?: unknown }).upstreamStatus;
    return typeof status === "number" ? `${error.code} ${status}` : error.code;
  }
  return "UNKNOWN";
}
