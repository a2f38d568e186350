import { afterEach, describe, expect, it } from "vitest";
import { DegradingIdempotencyStore } from "./degrading-idempotency-store.js";
import { fingerprintOf } from "./fingerprint.js";
import type { ClaimResult, IdempotencyStore, KeptAnswer } from "./idempotency-store.js";
import { MemoryIdempotencyStore } from "./memory-idempotency-store.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function memory(): MemoryIdempotencyStore {
  const store = new MemoryIdempotencyStore();
  cleanups.push(() => store.close());
  return store;
}

/** A primary (standing in for Redis) that fails while `down` is set, and counts its calls. */
function scriptedPrimary() {
  const inner = memory();
  const state = { down: false, calls: 0 };
  const guard = () => {
    state.calls += 1;
    if (state.down) throw new Error("redis down");
  };
  const store: IdempotencyStore = {
    claim: async (...args) => {
      guard();
      return inner.claim(...args);
    },
    complete: async (...args) => {
      guard();
      return inner.complete(...args);
    },
    release: async (...args) => {
      guard();
      return inner.release(...args);
    },
    close: async () => {},
  };
  return { store, inner, state };
}

function degrading(primary: IdempotencyStore) {
  const clock = { now: 0 };
  const log: string[] = [];
  const fallback = memory();
  const store = new DegradingIdempotencyStore({
    primary,
    fallback,
    cooldownMs: 5000,
    now: () => clock.now,
    onDown: (error) => log.push(`down: ${(error as Error).message}`),
    onUp: () => log.push("up"),
  });
  return { store, fallback, clock, log };
}

const BODY = fingerprintOf({ shippingMethod: "express" });
const CREATED: KeptAnswer = { status: 201, headers: { location: "/orders/o-1" }, body: { orderId: "o-1" } };

function tokenOf(result: ClaimResult): string {
  if (result.kind !== "claimed") throw new Error(`expected a claim, got ${JSON.stringify(result)}`);
  return result.token;
}

describe("DegradingIdempotencyStore", () => {
  it("claims and keeps answers in the primary while it answers", async () => {
    const { store: primary, inner, state } = scriptedPrimary();
    const { store, fallback } = degrading(primary);
    const token = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    await expect(store.complete("c1", "key-0001", token, CREATED, 60)).resolves.toBe(true);
    await expect(inner.claim("c1", "key-0001", BODY, 4)).resolves.toEqual({
      kind: "replay",
      answer: CREATED,
    });
    expect(fallback.size).toBe(0);
    expect(state.calls).toBe(2);
    expect(store.primaryUp).toBe(true);
  });

  it("claims in memory while the primary fails, skipping it for the cool-down, and logs the outage once", async () => {
    const { store: primary, state } = scriptedPrimary();
    const { store, fallback, clock, log } = degrading(primary);
    state.down = true;
    const token = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    expect(store.primaryUp).toBe(false);
    expect(state.calls).toBe(1);
    // Within the cool-down the primary is not asked at all.
    await expect(store.claim("c1", "key-0001", BODY, 4)).resolves.toMatchObject({ kind: "in-progress" });
    await expect(store.complete("c1", "key-0001", token, CREATED, 60)).resolves.toBe(true);
    await expect(store.claim("c1", "key-0001", BODY, 4)).resolves.toEqual({
      kind: "replay",
      answer: CREATED,
    });
    expect(state.calls).toBe(1);
    expect(fallback.peek("c1", "key-0001", BODY)).toMatchObject({ kind: "replay" });
    // Still down after the cool-down: tried once more, not logged again.
    clock.now = 5000;
    tokenOf(await store.claim("c1", "key-0002", BODY, 4));
    expect(state.calls).toBe(2);
    expect(log).toEqual(["down: redis down"]);
    // Back: the primary is used again, and that is logged once.
    state.down = false;
    clock.now = 10_000;
    const shared = tokenOf(await store.claim("c1", "key-0003", BODY, 4));
    await store.complete("c1", "key-0003", shared, CREATED, 60);
    expect(state.calls).toBe(4);
    expect(log).toEqual(["down: redis down", "up"]);
  });

  it("still honours, once the primary is back, what this instance recorded while acting alone", async () => {
    const { store: primary, state } = scriptedPrimary();
    const { store, clock } = degrading(primary);
    state.down = true;
    const token = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    state.down = false;
    clock.now = 5000;
    await expect(store.claim("c1", "key-0001", BODY, 4)).resolves.toMatchObject({ kind: "in-progress" });
    await store.complete("c1", "key-0001", token, CREATED, 60);
    await expect(store.claim("c1", "key-0001", BODY, 4)).resolves.toEqual({
      kind: "replay",
      answer: CREATED,
    });
    await expect(store.claim("c1", "key-0001", fingerprintOf({}), 4)).resolves.toEqual({ kind: "mismatch" });
    // Only the first, failed, call reached the primary.
    expect(state.calls).toBe(1);
  });

  it("sends complete and release back to the store that holds the claim", async () => {
    const { store: primary, inner, state } = scriptedPrimary();
    const { store, fallback, clock } = degrading(primary);
    const shared = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    state.down = true;
    const local = tokenOf(await store.claim("c1", "key-0002", BODY, 4));
    state.down = false;
    clock.now = 5000;
    await store.release("c1", "key-0001", shared);
    await expect(inner.claim("c1", "key-0001", BODY, 4)).resolves.toMatchObject({ kind: "claimed" });
    await store.release("c1", "key-0002", local);
    expect(fallback.size).toBe(0);
  });

  it("gives up on the shared claim, without an error, when the primary fails before its answer is kept", async () => {
    const { store: primary, inner, state } = scriptedPrimary();
    const { store } = degrading(primary);
    const token = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    state.down = true;
    await expect(store.complete("c1", "key-0001", token, CREATED, 60)).resolves.toBe(false);
    await expect(store.release("c1", "key-0001", token)).resolves.toBeUndefined();
    // The claim left in the primary lapses on its own.
    await expect(inner.claim("c1", "key-0001", BODY, 4)).resolves.toMatchObject({ kind: "in-progress" });
  });

  it("skips the primary while it is unavailable, without a cool-down or a log line", async () => {
    const { store: primary, state } = scriptedPrimary();
    let available = false;
    const log: string[] = [];
    const store = new DegradingIdempotencyStore({
      primary,
      fallback: memory(),
      available: () => available,
      onDown: () => log.push("down"),
    });
    tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    expect(store.primaryUp).toBe(false);
    available = true;
    tokenOf(await store.claim("c1", "key-0002", BODY, 4));
    expect(state.calls).toBe(1);
    expect(log).toEqual([]);
  });

  it("never counts the caller's bad arguments as a primary failure", async () => {
    const { store: primary, state } = scriptedPrimary();
    const { store, log } = degrading(primary);
    await expect(store.claim("c1", "key-0001", BODY, 0)).rejects.toThrow(RangeError);
    await expect(store.claim("c:1", "key-0001", BODY, 4)).rejects.toThrow(RangeError);
    await expect(store.complete("c1", "key-0001", "r:x", CREATED, -1)).rejects.toThrow(RangeError);
    expect(state.calls).toBe(0);
    expect(store.primaryUp).toBe(true);
    expect(log).toEqual([]);
  });

  it("ignores a token it never gave out", async () => {
    const { store: primary, state } = scriptedPrimary();
    const { store } = degrading(primary);
    await expect(store.complete("c1", "key-0001", "forged", CREATED, 60)).resolves.toBe(false);
    await store.release("c1", "key-0001", "forged");
    expect(state.calls).toBe(0);
  });
});
