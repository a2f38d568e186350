import { randomUUID } from "node:crypto";
import { BoundedNodeCache } from "../cache/bounded-node-cache.js";
import {
  type ClaimResult,
  type IdempotencyStore,
  isKeptStatus,
  type KeptAnswer,
  retryAfterSOf,
  scopedKey,
  ttlMsOf,
} from "./idempotency-store.js";

export interface MemoryIdempotencyStoreOptions {
  /**
   * Most keys (claims and kept answers) held. Past it a new key is claimed
   * but not recorded: the write goes ahead (the orders service deduplicates
   * by key too) rather than failing. Default 100,000.
   */
  maxKeys?: number;
  /** How often expired keys are swept, in seconds. Default 60. */
  checkPeriodS?: number;
}

/** What the memory store holds per key. Answers are kept as JSON text: a replay is a copy, as from Redis. */
type MemoryRecord =
  | {
      readonly state: "pending";
      readonly token: string;
      readonly fingerprint: string;
      readonly until: number;
    }
  | { readonly state: "done"; readonly fingerprint: string; readonly answer: string };

/** What a key already holds, as `claim` would tell it (never `claimed`). */
export type HeldClaim = Exclude<ClaimResult, { kind: "claimed" }>;

/**
 * The per-instance idempotency store, on node-cache: what a BFF uses
 * without `REDIS_URL`, and while Redis is away. Claims are atomic within
 * the process (each call runs to its end without yielding).
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #cache: BoundedNodeCache;

  constructor({ maxKeys = 100_000, checkPeriodS = 60 }: MemoryIdempotencyStoreOptions = {}) {
    this.#cache = new BoundedNodeCache({ maxKeys, checkPeriodS });
  }

  /** Keys held (claims and answers), expired ones not yet swept included. */
  get size(): number {
    return this.#cache.size;
  }

  async claim(scope: string, key: string, fingerprint: string, ttlS: number): Promise<ClaimResult> {
    const ttlMs = ttlMsOf(ttlS);
    const id = scopedKey(scope, key);
    const held = this.peek(scope, key, fingerprint);
    if (held !== undefined) return held;
    const token = randomUUID();
    this.#put(id, { state: "pending", token, fingerprint, until: Date.now() + ttlMs }, ttlMs);
    return { kind: "claimed", token };
  }

  /**
   * What `key` holds right now, as `claim` would answer, without claiming
   * it; undefined when it is free. Synchronous: a degrading store asks it
   * first, for what this instance recorded while Redis was away.
   */
  peek(scope: string, key: string, fingerprint: string): HeldClaim | undefined {
    const record = this.#cache.get<MemoryRecord>(scopedKey(scope, key));
    if (record === undefined) return undefined;
    if (record.state === "pending") {
      return { kind: "in-progress", retryAfterS: retryAfterSOf(record.until - Date.now()) };
    }
    if (record.fingerprint !== fingerprint) return { kind: "mismatch" };
    return { kind: "replay", answer: JSON.parse(record.answer) as KeptAnswer };
  }

  async complete(
    scope: string,
    key: string,
    token: string,
    answer: KeptAnswer,
    ttlS: number,
  ): Promise<boolean> {
    const ttlMs = ttlMsOf(ttlS);
    const id = scopedKey(scope, key);
    const record = this.#held(id, token);
    if (record === undefined) return false;
    if (!isKeptStatus(answer.status)) {
      this.#cache.delete(id);
      return false;
    }
    const text = JSON.stringify(answer);
    return this.#put(id, { state: "done", fingerprint: record.fingerprint, answer: text }, ttlMs);
  }

  async release(scope: string, key: string, token: string): Promise<void> {
    const id = scopedKey(scope, key);
    if (this.#held(id, token) !== undefined) this.#cache.delete(id);
  }

  async close(): Promise<void> {
    this.#cache.close();
  }

  /** The pending claim `token` holds on `id`, if it still does. */
  #held(id: string, token: string): Extract<MemoryRecord, { state: "pending" }> | undefined {
    const record = this.#cache.get<MemoryRecord>(id);
    return record?.state === "pending" && record.token === token ? record : undefined;
  }

  #put(id: string, record: MemoryRecord, ttlMs: number): boolean {
    // node-cache takes seconds and keeps fractions (it computes `now + ttl * 1000`).
    return this.#cache.set(id, record, ttlMs / 1000);
  }
}
