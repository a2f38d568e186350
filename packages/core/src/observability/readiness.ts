import type { CircuitState } from "../resilience/circuit-breaker-policy.js";

/** What `/readyz` decides from. */
export interface Readiness {
  readonly ready: boolean;
  readonly shuttingDown: boolean;
  /** The required upstreams whose circuit is open. */
  readonly openCircuits: readonly string[];
}

/**
 * Whether the BFF should get traffic: not once shutdown began, nor while a
 * required upstream's circuit is open (half-open is ready: its trial needs
 * traffic).
 */
export class ReadinessCheck {
  readonly #required: readonly string[];
  #shuttingDown = false;

  /** `required`: the services whose open circuit makes the BFF not ready. */
  constructor(required: readonly string[]) {
    this.#required = required;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** From now on, not ready. */
  beginShutdown(): void {
    this.#shuttingDown = true;
  }

  /** `circuitOf`: a service's circuit state now, undefined for a service without a client. */
  check(circuitOf: (service: string) => CircuitState | undefined): Readiness {
    const openCircuits = this.#required.filter((service) => circuitOf(service) === "open");
    return {
      ready: !this.#shuttingDown && openCircuits.length === 0,
      shuttingDown: this.#shuttingDown,
      openCircuits,
    };
  }
}
