import type { Fault } from "./fault-schema.js";

/**
 * The current fault of one service and which requests it hits. `rate` is
 * applied deterministically: of the first n matching requests exactly
 * floor(n * rate) are affected (rate 0.5 hits every second one), so tests
 * never flake on a coin toss.
 */
export class FaultState {
  #fault: Fault | null = null;
  #seen = 0;

  get current(): Fault | null {
    return this.#fault;
  }

  set(fault: Fault | null): void {
    this.#fault = fault;
    this.#seen = 0;
  }

  /** The fault to apply to a request on `path`, or null when it goes through untouched. */
  forRequest(path: string): Fault | null {
    const fault = this.#fault;
    if (!fault || fault.mode === "refuse") return null;
    if (fault.paths && !fault.paths.some((p) => path.startsWith(p))) return null;
    const n = this.#seen++;
    // The epsilon keeps e.g. 0.29 * 100 from landing on 28.999….
    const hit = Math.floor((n + 1) * fault.rate + 1e-9) > Math.floor(n * fault.rate + 1e-9);
    return hit ? fault : null;
  }
}
