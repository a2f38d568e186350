/** What the list ranks: when a request finished, and how long it took. */
interface Timed {
  readonly at: number;
  readonly durationMs: number;
}

export interface SlowestRequestsOptions {
  /** How many are kept. */
  kept: number;
  /** How far back a request counts, in ms on the clock of the requests' `at`. */
  windowMs: number;
}

/** The slowest requests of the last `windowMs`, slowest first (why was a request slow?). */
export class SlowestRequests<T extends Timed> {
  readonly #kept: number;
  readonly #windowMs: number;
  #list: T[] = [];
  #oldestAt = Number.POSITIVE_INFINITY;

  constructor({ kept, windowMs }: SlowestRequestsOptions) {
    this.#kept = kept;
    this.#windowMs = windowMs;
  }

  // Usually one comparison: the list only changes for a request slower than its last entry.
  remember(request: T): void {
    const list = this.#list;
    const last = list[list.length - 1];
    const expired = this.#oldestAt <= request.at - this.#windowMs;
    if (!expired && list.length >= this.#kept && last !== undefined && request.durationMs <= last.durationMs)
      return;
    const kept = list.filter((entry) => entry.at > request.at - this.#windowMs);
    kept.push(request);
    kept.sort((a, b) => b.durationMs - a.durationMs);
    this.#list = kept.slice(0, this.#kept);
    this.#oldestAt = Math.min(...this.#list.map((entry) => entry.at));
  }

  /** The slowest that finished within the window before `now`, slowest first. */
  within(now: number): T[] {
    return this.#list.filter((entry) => entry.at > now - this.#windowMs);
  }
}
