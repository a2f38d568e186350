import type { CacheStore } from "../cache/cache-store.js";
import type { UpstreamObserver } from "../client/upstream-observer.js";
import { NotFoundError, UpstreamNotFoundError } from "../errors/index.js";
import { emptyFallback, type FallbackPolicy, lastKnownGoodFallback } from "../resilience/fallback-policy.js";
import type { Price, Reviews } from "./schemas.js";

/** The review part every BFF shows: the summary and the items it asked for. */
export type ReviewSummary = Pick<Reviews, "average" | "count" | "items">;

/** The reviews part's `empty` fallback (contract 2.2). */
export const EMPTY_REVIEWS: ReviewSummary = Object.freeze({ average: null, count: 0, items: [] });

/**
 * The price part's fallback on every BFF: the last price fetched for that
 * product (`cache`), else `null` (`empty`). Key the part by product id.
 * `observer` (the gateway's) is told of each read of the store as a
 * `pricing` lookup in the `lkg` store (`portico_cache_*_total`).
 *
 * ```ts
 * fallback: lastKnownPriceFallback({
 *   lastKnownGood: gateway.lastKnownGood,
 *   cacheStaleTtlS: gateway.config.cacheStaleTtlS,
 *   observer: gateway.observer,
 * }),
 * ```
 */
export function lastKnownPriceFallback({
  lastKnownGood,
  cacheStaleTtlS,
  observer,
}: {
  lastKnownGood: CacheStore;
  cacheStaleTtlS: number;
  /** Told of the store's lookups; default nobody. */
  observer?: UpstreamObserver | undefined;
}): FallbackPolicy<Price | null> {
  return lastKnownGoodFallback<Price | null>({
    store: lastKnownGood,
    prefix: "lkg:price",
    ttlS: cacheStaleTtlS,
    orElse: emptyFallback(null),
    onLookup: (hit) => observer?.cacheLookup?.("pricing", hit, "lkg"),
  });
}

/**
 * A 404 from an optional service is an answer ("this product has no
 * price"), not a failure: the part is `null` and not marked degraded.
 */
export async function nullIfNotFound<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof UpstreamNotFoundError) return null;
    throw error;
  }
}

/**
 * Turns the given service's 404 into the client's 404 with a message of
 * ours (e.g. "No product with id p9"); any other failure passes through.
 */
export async function foundOr<T>(call: Promise<T>, service: string, message: string): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof UpstreamNotFoundError && error.service === service) throw new NotFoundError(message);
    throw error;
  }
}
