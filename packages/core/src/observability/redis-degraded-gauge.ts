import { Gauge, type Registry } from "prom-client";

const NAME = "portico_redis_degraded";

/**
 * Registers `portico_redis_degraded{store}`: 1 while that Redis-backed
 * store of this instance acts alone (Redis unreachable, or cooling down
 * after a command failed or outlived `REDIS_TIMEOUT_MS`), else 0. Read at
 * scrape time from `stores` (store name → "acting alone now?"). Registering
 * again on the same registry replaces the previous sources.
 *
 * ```ts
 * watchRedisDegraded(metrics.registry, { idempotency: () => !store.primaryUp });
 * ```
 */
export function watchRedisDegraded(
  registry: Registry,
  stores: Readonly<Record<string, () => boolean>>,
): void {
  if (registry.getSingleMetric(NAME) !== undefined) registry.removeSingleMetric(NAME);
  const gauge: Gauge<"store"> = new Gauge({
    name: NAME,
    help: "1 while a Redis-backed store of this instance acts alone (Redis unreachable or slower than REDIS_TIMEOUT_MS), by store.",
    labelNames: ["store"] as const,
    registers: [registry],
    collect: () => {
      for (const [store, degraded] of Object.entries(stores)) gauge.set({ store }, degraded() ? 1 : 0);
    },
  });
}
