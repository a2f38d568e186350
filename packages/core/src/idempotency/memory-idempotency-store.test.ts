import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useFakeClock } from "../test-support/async.js";
import { fingerprintOf } from "./fingerprint.js";
import type { ClaimResult, KeptAnswer } from "./idempotency-store.js";
import { MemoryIdempotencyStore } from "./memory-idempotency-store.js";

const stores: MemoryIdempotencyStore[] = [];
function memory(options?: ConstructorParameters<typeof MemoryIdempotencyStore>[0]): MemoryIdempotencyStore {
  const store = new MemoryIdempotencyStore(options);
  stores.push(store);
  return store;
}

beforeEach(() => useFakeClock());
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  vi.useRealTimers();
});

const BODY = fingerprintOf({ shippingMethod: "express" });
const OTHER_BODY = fingerprintOf({ shippingMethod: "standard" });
const CREATED: KeptAnswer = {
  status: 201,
  headers: { location: "/orders/o-1" },
  body: { order: { orderId: "o-1", status: "placed" } },
};
const DAY_S = 86_400;

function tokenOf(result: ClaimResult): string {
  if (result.kind !== "claimed") throw new Error(`expected a claim, got ${JSON.stringify(result)}`);
  return result.token;
}

describe("MemoryIdempotencyStore", () => {
  it("lets the first request claim a key and tells the next one it is in progress, whatever its body", async () => {
    const store = memory();
    const first = await store.claim("c1", "key-0001", BODY, 4);
    expect(first).toMatchObject({ kind: "claimed", token: expect.any(String) });
    await expect(store.claim("c1", "key-0001", BODY, 4)).resolves.toEqual({
      kind: "in-progress",
      retryAfterS: 4,
    });
    vi.advanceTimersByTime(2500);
    await expect(store.claim("c1", "key-0001", OTHER_BODY, 4)).resolves.toEqual({
      kind: "in-progress",
      retryAfterS: 2,
    });
  });

  it("replays the kept answer for the same body, and says mismatch for another", async () => {
    const store = memory();
    const token = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    await expect(store.complete("c1", "key-0001", token, CREATED, DAY_S)).resolves.toBe(true);
    await expect(store.claim("c1", "key-0001", BODY, 4)).resolves.toEqual({
      kind: "replay",
      answer: CREATED,
    });
    await expect(store.claim("c1", "key-0001", OTHER_BODY, 4)).resolves.toEqual({ kind: "mismatch" });
  });

  it("replays a copy: changing the answer given or the replay does not change what is kept", async () => {
    const store = memory();
    const token = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    const answer = { status: 201, headers: { location: "/orders/o-1" }, body: { n: 1 } };
    await store.complete("c1", "key-0001", token, answer, DAY_S);
    answer.body.n = 2;
    const replay = await store.claim("c1", "key-0001", BODY, 4);
    if (replay.kind !== "replay") throw new Error("expected a replay");
    expect(replay.answer.body).toEqual({ n: 1 });
    (replay.answer.body as { n: number }).n = 3;
    await expect(store.claim("c1", "key-0001", BODY, 4)).resolves.toMatchObject({
      answer: { body: { n: 1 } },
    });
  });

  it("keeps 4xx answers like 2xx ones", async () => {
    const store = memory();
    const token = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    const emptyCart: KeptAnswer = { status: 422, headers: {}, body: { title: "Cart is empty" } };
    await expect(store.complete("c1", "key-0001", token, emptyCart, DAY_S)).resolves.toBe(true);
    await expect(store.claim("c1", "key-0001", BODY, 4)).resolves.toEqual({
      kind: "replay",
      answer: emptyCart,
    });
  });

  it("does not keep a 5xx answer: it frees the key for a retry with the same key", async () => {
    const store = memory();
    const token = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    const failed: KeptAnswer = { status: 502, headers: {}, body: {} };
    await expect(store.complete("c1", "key-0001", token, failed, DAY_S)).resolves.toBe(false);
    await expect(store.claim("c1", "key-0001", OTHER_BODY, 4)).resolves.toMatchObject({ kind: "claimed" });
  });

  it("forgets a released claim, so the client may retry with the same key", async () => {
    const store = memory();
    const token = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    await store.release("c1", "key-0001", token);
    expect(store.size).toBe(0);
    await expect(store.claim("c1", "key-0001", BODY, 4)).resolves.toMatchObject({ kind: "claimed" });
  });

  it("lets a claim lapse on its own after its ttl, so a crashed request never holds a key for ever", async () => {
    const store = memory();
    const stale = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    vi.advanceTimersByTime(3999);
    await expect(store.claim("c1", "key-0001", BODY, 4)).resolves.toMatchObject({ kind: "in-progress" });
    vi.advanceTimersByTime(2);
    const fresh = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    expect(fresh).not.toBe(stale);
    // The lapsed claim's request finishing late neither keeps its answer nor frees the new claim.
    await expect(store.complete("c1", "key-0001", stale, CREATED, DAY_S)).resolves.toBe(false);
    await store.release("c1", "key-0001", stale);
    await expect(store.claim("c1", "key-0001", BODY, 4)).resolves.toMatchObject({ kind: "in-progress" });
    await expect(store.complete("c1", "key-0001", fresh, CREATED, DAY_S)).resolves.toBe(true);
  });

  it("keeps an answer for its ttl, then lets the key be claimed again", async () => {
    const store = memory();
    const token = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    await store.complete("c1", "key-0001", token, CREATED, 60);
    vi.advanceTimersByTime(59_000);
    await expect(store.claim("c1", "key-0001", BODY, 4)).resolves.toMatchObject({ kind: "replay" });
    vi.advanceTimersByTime(1001);
    await expect(store.claim("c1", "key-0001", OTHER_BODY, 4)).resolves.toMatchObject({ kind: "claimed" });
  });

  it("keeps scopes apart: two customers' equal keys never meet", async () => {
    const store = memory();
    const token = tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    await store.complete("c1", "key-0001", token, CREATED, DAY_S);
    await expect(store.claim("c2", "key-0001", BODY, 4)).resolves.toMatchObject({ kind: "claimed" });
    // A key that looks like a scope joined to a key stays apart as well.
    await expect(store.claim("c1:key", "0001", BODY, 4)).rejects.toThrow(RangeError);
    await expect(store.claim("c", "1:key-0001", BODY, 4)).resolves.toMatchObject({ kind: "claimed" });
  });

  it("ignores a complete or release with another claim's token", async () => {
    const store = memory();
    tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    await expect(store.complete("c1", "key-0001", "not-the-token", CREATED, DAY_S)).resolves.toBe(false);
    await store.release("c1", "key-0001", "not-the-token");
    await expect(store.claim("c1", "key-0001", BODY, 4)).resolves.toMatchObject({ kind: "in-progress" });
  });

  it("peeks without claiming", async () => {
    const store = memory();
    expect(store.peek("c1", "key-0001", BODY)).toBeUndefined();
    expect(store.size).toBe(0);
    tokenOf(await store.claim("c1", "key-0001", BODY, 4));
    expect(store.peek("c1", "key-0001", OTHER_BODY)).toEqual({ kind: "in-progress", retryAfterS: 4 });
  });

  it("refuses a ttl that is not a positive number of seconds, and an empty key", async () => {
    const store = memory();
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(store.claim("c1", "key-0001", BODY, ttl)).rejects.toThrow(RangeError);
    }
    await expect(store.claim("c1", "", BODY, 4)).rejects.toThrow(RangeError);
    await expect(store.claim("", "key-0001", BODY, 4)).rejects.toThrow(RangeError);
  });

  it("when full, still lets a new request through unrecorded and still keeps held claims' answers", async () => {
    const store = memory({ maxKeys: 2 });
    const a = tokenOf(await store.claim("c1", "key-000a", BODY, 4));
    tokenOf(await store.claim("c1", "key-000b", BODY, 4));
    // Not recorded: a second request with that key is claimed too (the orders service deduplicates).
    tokenOf(await store.claim("c1", "key-000c", BODY, 4));
    tokenOf(await store.claim("c1", "key-000c", BODY, 4));
    await expect(store.complete("c1", "key-000a", a, CREATED, DAY_S)).resolves.toBe(true);
    await expect(store.claim("c1", "key-000a", BODY, 4)).resolves.toMatchObject({ kind: "replay" });
    // Lapsed claims free their slots.
    vi.advanceTimersByTime(5000);
    tokenOf(await store.claim("c1", "key-000c", BODY, 4));
    await expect(store.claim("c1", "key-000c", BODY, 4)).resolves.toMatchObject({ kind: "in-progress" });
  });
});
