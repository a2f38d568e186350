import type { ServiceInstance } from "./service-registry.js";

/** Asks one instance whether it is healthy; never throws. */
export type HealthProbe = (instance: ServiceInstance, signal: AbortSignal) => Promise<boolean>;

export interface HttpHealthProbeOptions {
  /** Path of the health check. Default `/health` (every shop service has it, contract section 3). */
  path?: string;
  /** How long one probe may take. Default 1000 ms. */
  timeoutMs?: number;
}

/**
 * The active health check: `GET <instance>/health`; healthy when it answers
 * 2xx within the timeout. A refused connection, a 5xx or silence is unhealthy.
 */
export function httpHealthProbe({
  path = "/health",
  timeoutMs = 1000,
}: HttpHealthProbeOptions = {}): HealthProbe {
  return async function httpHealthProbe(instance, signal) {
    try {
      const response = await fetch(`${instance.url}${path}`, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        headers: { accept: "application/json" },
      });
      // The body is not needed: release the connection.
      await response.body?.cancel().catch(() => {});
      return response.status >= 200 && response.status < 300;
    } catch {
      return false;
    }
  };
}
