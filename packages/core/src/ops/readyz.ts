import { GatewayError } from "../errors/index.js";
import { json, NO_STORE } from "../http/answer.js";
import type { Step } from "../http/route-table.js";
import type { GatewayObservability } from "../observability/gateway-observability.js";

// A problem is no-store too (`problemAnswer`).
const READY = json({ status: "ready" }, 200, NO_STORE);

/**
 * `GET /readyz`: 200 `{"status":"ready"}`, or 503 problem+json while a
 * required upstream's circuit is open (code `CIRCUIT_OPEN`, `Retry-After: 1`)
 * or the app is shutting down (code `OVERLOADED`). A half-open circuit is
 * ready: its trial call needs traffic to close it.
 */
export function readinessProbe(observability: GatewayObservability): Step {
  return function readinessProbe() {
    const readiness = observability.readiness();
    if (readiness.ready) return READY;
    throw readiness.shuttingDown
      ? new GatewayError("OVERLOADED", "Not ready: shutting down")
      : new GatewayError(
          "CIRCUIT_OPEN",
          `Not ready: the circuit of ${readiness.openCircuits.join(", ")} is open`,
          { retryAfterS: 1 },
        );
  };
}
