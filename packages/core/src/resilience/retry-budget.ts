/**
 * Caps retries to a fraction of calls, so that retrying can never multiply
 * an outage: each call deposits `ratio` of a token, each retry spends one.
 * A small reserve lets a quiet service still retry its first failures.
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #max: number;
  #balance: number;

  constructor({ ratio = 0.1, reserve = 10 }: { ratio?: number; reserve?: number } = {}) {
    this.#ratio = ratio;
    // The balance is capped so quiet times cannot bank a retry storm; the cap
    // is at least one token, or a reserve of 0 would disable retries entirely.
    this.#max = Math.max(reserve, 1);
    this.#balance = reserve;
  }

  /** Called once per call (not per attempt). */
  deposit(): void {
    this.#balance = Math.min(this.#max, this.#balance + this.#ratio);
  }

  /** True (and one token spent) when a retry is affordable. */
  tryWithdraw(): boolean {
    // Ten deposits of 0.1 add up to 0.9999999999999999, not 1.
    if (this.#balance < 1 - 1e-9) return false;
    this.#balance = Math.max(0, this.#balance - 1);
    return true;
  }

  get balance(): number {
    return this.#balance;
  }
}
