/** How many runs between two re-orderings: sorting is not paid per request. */
const REORDER_EVERY = 32;
/** Weight of the newest duration in a part's running average. */
const ALPHA = 0.1;

/**
 * The order in which a composition starts its independent parts: the
 * slowest first, by a running average of each part's duration.
 *
 * All of them start in the same turn of the event loop, but each start
 * costs CPU (the part's code, the client's pipeline, the request written
 * on its socket), so the last one leaves a few hundred µs after the first.
 * A composite takes about its slowest part: when that part leaves first,
 * the others' start-up runs while it is already on its way, instead of
 * before it (on an idle mobile-bff the six starts spread over 0.3 ms;
 * more under load, behind other requests' work). Until the parts have been
 * timed, and between equals, the declared order holds; a part not timed
 * yet (its `when` has not held) goes last.
 */
export class SlowestFirst {
  readonly #averageMs: Float64Array;
  #order: readonly number[];
  #runs = 0;

  /** `count` parts, numbered 0..count-1 in their declared order. */
  constructor(count: number) {
    this.#averageMs = new Float64Array(count).fill(Number.NaN);
    this.#order = Array.from({ length: count }, (_, i) => i);
  }

  /** The parts' numbers, in the order to start them now. */
  order(): readonly number[] {
    if (++this.#runs === REORDER_EVERY) {
      this.#runs = 0;
      this.#reorder();
    }
    return this.#order;
  }

  /** Part `index` took `durationMs` (however it ended). */
  took(index: number, durationMs: number): void {
    const average = this.#averageMs[index] as number;
    this.#averageMs[index] = Number.isNaN(average) ? durationMs : average + ALPHA * (durationMs - average);
  }

  #reorder(): void {
    // A part never timed (one whose `when` has not held yet) goes after the timed ones.
    const keys = Array.from(this.#averageMs, (average) => (Number.isNaN(average) ? -1 : average));
    // Array.prototype.sort is stable: equals keep their declared order.
    this.#order = keys.map((_, i) => i).sort((a, b) => (keys[b] as number) - (keys[a] as number));
  }
}
