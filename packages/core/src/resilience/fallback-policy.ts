import type { CacheStore } from "../cache/cache-store.js";
import { started } from "../started.js";

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

/** A fresh answer as an outcome. */
function fresh<T>(value: T): FallbackOutcome<T> {
  return { value };
}

class ValueFallback<T> implements FallbackPolicy<T> {
  /** Every failure's outcome: one frozen object, shared. */
  readonly #substituted: () => FallbackOutcome<T>;

  constructor(value: T, kind: DegradedKind) {
    const substitute = Object.freeze({ value, degraded: kind });
    this.#substituted = () => substitute;
  }

  execute(fn: () => Promise<T>): Promise<FallbackOutcome<T>> {
    return started(fn).then(fresh, this.#substituted);
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
  /** The failed call's way out: the remembered value, else `orElse`. */
  async function recall(storeKey: string, key: string, failure: unknown): Promise<FallbackOutcome<T>> {
    // A store that throws (even synchronously) or rejects is a miss.
    const remembered = await attempt(() => store.get<T>(storeKey));
    onLookup?.(remembered !== undefined);
    if (remembered !== undefined) return { value: remembered, degraded: "cache" };
    return orElse.execute(() => Promise.reject(failure), key);
  }

  return {
    execute(fn: () => Promise<T>, key: string): Promise<FallbackOutcome<T>> {
      const storeKey = `${prefix}:${key}`;
      return started(fn).then(
        (value) => {
          // Remembering is best effort and must not turn a fresh answer into a failure.
          remember(store, storeKey, value, ttlS);
          return { value };
        },
        (failure: unknown) => recall(storeKey, key, failure),
      );
    },
  };
}

/** `store.set`, whose failure (a throw or a rejection) is ignored. */
function remember<T>(store: CacheStore, key: string, value: T, ttlS: number): void {
  try {
    store.set(key, value, ttlS).catch(ignore);
  } catch {
    // A store that throws synchronously has not remembered: the answer stands.
  }
}

function ignore(): void {}

async function attempt<R>(operation: () => Promise<R>): Promise<R | undefined> {
  try {
    return await operation();
  } catch {
    return undefined;
  }
}
