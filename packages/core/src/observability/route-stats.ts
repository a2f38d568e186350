import type { RouteStatus } from "./admin-status.js";
import { RollingWindow } from "./rolling-window.js";
import { pct, round } from "./status-numbers.js";

/** Routes kept in the status page's window; more would only come from a bug. */
const MAX_ROUTES = 200;

/** The status page's view of the routes: a one-minute rolling window per method and route template. */
export class RouteStats {
  readonly #now: () => number;
  readonly #windows = new Map<string, { method: string; route: string; window: RollingWindow }>();

  /** `now`: the wall clock, for the rolling windows. */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** One answer: `failed` for a 5xx, `degraded` when a fallback served a part of it. */
  record(method: string, route: string, durationMs: number, failed: boolean, degraded: boolean): void {
    this.#window(method, route)?.record(durationMs, failed, degraded);
  }

  /** Each route over the window, in the order first seen. */
  status(): RouteStatus[] {
    const routes: RouteStatus[] = [];
    for (const { method, route, window } of this.#windows.values()) {
      const summary = window.summary();
      routes.push({
        method,
        route,
        requests: summary.count,
        ratePerS: round(summary.ratePerS),
        degraded: summary.flagged,
        degradedPct: pct(summary.flagged, summary.count),
        errors: summary.failed,
        errorPct: pct(summary.failed, summary.count),
        latencyMs: summary.latencyMs,
      });
    }
    return routes;
  }

  #window(method: string, route: string): RollingWindow | undefined {
    const key = `${method} ${route}`;
    let entry = this.#windows.get(key);
    if (entry === undefined) {
      if (this.#windows.size >= MAX_ROUTES) return undefined;
      entry = { method, route, window: new RollingWindow({ now: this.#now }) };
      this.#windows.set(key, entry);
    }
    return entry.window;
  }
}
