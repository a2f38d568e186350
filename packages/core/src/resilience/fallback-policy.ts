import type { CacheStore } from "../cache/cache-store.js";

/** How a part was served when its service failed (the `degraded` marker). */
export type DegradedKind = "empty" | "default" | "cache";

export interface FallbackOutcome<T> {
  readonly value: T;
  /** Set when the value is a fallback rather than a fresh answer. */
  readonly degraded?: DegradedKind;
}

/**
 * Serves a substitute when `fn` fails. `key` identifies the data (e.g.
 * `price:p1`) for fallbacks that remember answers.
 */
export interface FallbackPolicy<T> {
  execute(fn: () => Promise<T>, key: string): Promise<FallbackOutcome<T>>;
}

class ValueFallback<T> implements FallbackPolicy<T> {
  constructor(
    private readonly value: T,
    private readonly kind: DegradedKind,
  ) {}

  async execute(fn: () => Promise<T>): Promise<FallbackOutcome<T>> {
    try {
      return { value: await fn() };
    } catch {
      return { value: this.value, degraded: this.kind };
    }
  }
}

/** On failure, an empty value (`null`, `[]`, an empty summary): degraded `empty`. */
export function emptyFallback<T>(value: T): FallbackPolicy<T> {
  return new ValueFallback(value, "empty");
}

/** On failure, a static default (e.g. the top-ten list): degraded `default`. */
export function staticFallback<T>(value: T): FallbackPolicy<T> {
  return new ValueFallback(value, "default");
}

export interface LastKnownGoodOptions<T> {
  store: CacheStore;
  /** Namespace of the keys in the store, e.g. `lkg:price`. */
  prefix: string;
  /** How long a value may be served after it was fetched (`CACHE_STALE_TTL_S`). */
  ttlS: number;
  /** What to serve when nothing is remembered. */
  orElse: FallbackPolicy<T>;
  /**
   * Told of each read of the store, made when `fn` failed: `true` when a
   * remembered value is served, `false` when not (nothing remembered, or
   * the store failed). For metrics; must not throw. Default: nobody.
   */
  onLookup?: (hit: boolean) => void;
}

/**
 * Remembers every fresh answer and, on failure, serves the last one
 * (degraded `cache`), or else defers to `orElse`. A store that fails is
 * treated as a miss: a broken cache must not break the request.
 */
export function lastKnownGoodFallback<T>({
  store,
  prefix,
  ttlS,
  orElse,
  onLookup,
}: LastKnownGoodOptions<T>): FallbackPolicy<T> {
  return {
    async execute(fn: () => Promise<T>, key: string): Promise<FallbackOutcome<T>> {
      const storeKey = `${prefix}:${key}`;
      let value: T;
      try {
        value = await fn();
      } catch (failure) {
        // A store that throws (even synchronously) or rejects is a miss.
        const remembered = await attempt(() => store.get<T>(storeKey));
        onLookup?.(remembered !== undefined);
        if (remembered !== undefined) return { value: remembered, degraded: "cache" };
        return orElse.execute(() => Promise.reject(failure), key);
      }
      // Remembering is best effort and must not turn a fresh answer into a failure.
      void attempt(() => store.set(storeKey, value, ttlS));
      return { value };
    },
  };
}

async function attempt<R>(operation: () => Promise<R>): Promise<R | undefined> {
  try {
    return await operation();
  } catch {
    return undefined;
  }
}
