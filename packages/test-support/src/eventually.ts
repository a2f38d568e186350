/** Options of {@link eventually}. */
export interface EventuallyOptions {
  /** Give up after this long; default 5000 ms. */
  timeoutMs?: number;
  /** Pause between two checks; default 20 ms. */
  intervalMs?: number;
  /** Named in the error on a timeout; default "condition". */
  what?: string;
}

/**
 * Polls `check` until it returns a truthy value, and resolves with it; a
 * check that throws counts as not yet. Rejects after the timeout, naming
 * `what` and the last error. A number stands for `{ timeoutMs }`.
 *
 * ```ts
 * await eventually(() => channel.current !== undefined);
 * const stats = await eventually(() => fetchStats(), { timeoutMs: 20_000, what: "GET /admin/live" });
 * ```
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: number | EventuallyOptions = {},
): Promise<NonNullable<T>> {
  const {
    timeoutMs = 5_000,
    intervalMs = 20,
    what = "condition",
  } = typeof options === "number" ? { timeoutMs: options } : options;
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) {
      throw new Error(
        `${what} not met within ${timeoutMs} ms${last === undefined ? "" : `: ${String(last)}`}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Polls `check` like {@link eventually} and resolves with how long it took
 * to pass, in ms: for tests that bound a reaction time.
 */
export async function within(
  ms: number,
  check: () => boolean | Promise<boolean>,
  what: string,
  intervalMs = 20,
): Promise<number> {
  const started = performance.now();
  await eventually(check, { timeoutMs: ms, intervalMs, what });
  return performance.now() - started;
}
