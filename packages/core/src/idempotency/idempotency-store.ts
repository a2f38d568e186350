/**
 * An answer kept for an `Idempotency-Key`: what a replay sends again. Only
 * JSON goes in (it may be stored in Redis): the body as the parsed value,
 * and the headers the route wants replayed (`Location`, `Content-Type`).
 */
export interface KeptAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/**
 * What `claim` found for a key:
 * - `claimed`: nobody holds it; this request owns it, calls the upstream,
 *   then calls `complete` or `release` with `token`;
 * - `replay`: an answer is kept for it and the fingerprint is the same;
 * - `mismatch`: an answer is kept for it, but for another body (422);
 * - `in-progress`: the first request with it is still running (409 with
 *   `Retry-After: retryAfterS`), whatever the body.
 */
export type ClaimResult =
  | { readonly kind: "claimed"; readonly token: string }
  | { readonly kind: "replay"; readonly answer: KeptAnswer }
  | { readonly kind: "mismatch" }
  | { readonly kind: "in-progress"; readonly retryAfterS: number };

/**
 * Where `Idempotency-Key`s and their answers live (contract 2.6): per
 * instance in memory, or shared by the fleet in Redis. Keys are scoped (by
 * the customer id), so two customers' equal keys never meet.
 *
 * ```ts
 * const claim = await store.claim(customerId, key, fingerprintOf(body), inProgressTtlS(deadlineMs));
 * if (claim.kind === "claimed") {
 *   try {
 *     const answer = await placeOrder();
 *     await store.complete(customerId, key, claim.token, answer, config.idempotencyTtlS);
 *   } catch (error) {
 *     await store.release(customerId, key, claim.token);
 *     throw error;
 *   }
 * }
 * ```
 */
export interface IdempotencyStore {
  /**
   * Claims `key` for one request, or tells what is already there. A claim
   * lasts `ttlS` seconds (the request deadline plus a margin: see
   * `inProgressTtlS`) and then lapses on its own, so an instance that
   * crashed mid-request never holds a key for ever.
   */
  claim(scope: string, key: string, fingerprint: string, ttlS: number): Promise<ClaimResult>;
  /**
   * Keeps `answer` for `ttlS` seconds (`IDEMPOTENCY_TTL_S`) in place of the
   * claim `token` holds. Only 2xx and 4xx answers are kept: any other status
   * releases the claim instead. Resolves false when nothing was kept (the
   * claim had lapsed or was not this token's, or the store failed).
   */
  complete(scope: string, key: string, token: string, answer: KeptAnswer, ttlS: number): Promise<boolean>;
  /**
   * Forgets the claim `token` holds (its request ended in a 5xx or a
   * timeout), so the client may retry with the same key. A claim that is
   * not this token's any more is left alone.
   */
  release(scope: string, key: string, token: string): Promise<void>;
  close(): Promise<void>;
}

/** Whether an answer with `status` is kept for its key: 2xx and 4xx (contract 2.6). */
export function isKeptStatus(status: number): boolean {
  return Number.isInteger(status) && ((status >= 200 && status < 300) || (status >= 400 && status < 500));
}

/**
 * How long a claim should hold while its request runs: the request
 * deadline plus `marginMs` (default 2000) for the answer to be kept, in
 * seconds. Past it the key is free again, even if the instance died.
 */
export function inProgressTtlS(requestDeadlineMs: number, marginMs = 2000): number {
  return (requestDeadlineMs + marginMs) / 1000;
}

/**
 * The store key of `key` within `scope`: `<scope>:<key>`. A scope holds no
 * `:` (customer ids never do), so two scopes can never share a key.
 */
export function scopedKey(scope: string, key: string): string {
  if (scope === "" || scope.includes(":")) {
    throw new RangeError(`idempotency scope must be non-empty without ':' (got ${JSON.stringify(scope)})`);
  }
  if (key === "") throw new RangeError("idempotency key must not be empty");
  return `${scope}:${key}`;
}

/** Milliseconds of a ttl given in seconds; refuses what cannot be one. */
export function ttlMsOf(ttlS: number, name = "ttlS"): number {
  if (!Number.isFinite(ttlS) || ttlS <= 0) {
    throw new RangeError(`${name} must be a positive number of seconds (got ${ttlS})`);
  }
  return Math.max(1, Math.ceil(ttlS * 1000));
}

/** Whole seconds to wait for `remainingMs`, at least 1 (a `Retry-After`). */
export function retryAfterSOf(remainingMs: number): number {
  return Math.max(1, Math.ceil(remainingMs / 1000));
}
