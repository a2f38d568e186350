import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ordersPlaced } from "../support/processes.js";
import { useStack } from "../support/stack.js";
import { bearer, demoToken } from "../support/tokens.js";

// REDIS_URL names a port nothing listens on: the idempotency store must
// degrade to this instance's memory, say so, and keep checkout safe.
describe("checkout with Redis away (mobile-bff)", () => {
  const stack = useStack({
    bffs: { only: { app: "mobile-bff" } },
    bffEnv: { REDIS_URL: "redis://127.0.0.1:1", REDIS_TIMEOUT_MS: "50", BREAKER_MIN_REQUESTS: "1000" },
    clearFaults: true,
  });

  it("places one order for a double tap and replays it from memory, and the metric says Redis is away", async () => {
    const url = stack.bffs.only.url;
    const auth = bearer(await demoToken(stack.shop, { customerId: "c3" }));
    const json = { ...auth, "content-type": "application/json" };
    await fetch(`${stack.shop.control}/_admin/reset`, { method: "POST" });
    const line = await fetch(`${url}/cart/items/p1`, {
      method: "PUT",
      headers: json,
      body: JSON.stringify({ quantity: 1 }),
    });
    expect(line.status).toBe(200);
    const key = `k-${randomUUID()}`;
    const order = () =>
      fetch(`${url}/orders`, { method: "POST", headers: { ...json, "idempotency-key": key }, body: "{}" });
    const [first, second] = await Promise.all([order(), order()]);
    const statuses = [first.status, second.status].sort();
    // The second tap is answered 409 (the first is in flight) or replayed once it is kept.
    expect(statuses[0]).toBe(201);
    expect([201, 409]).toContain(statuses[1]);
    const replay = await order();
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await ordersPlaced(stack.shop)).toBe(1);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/portico_redis_degraded\{store="idempotency"\} 1/);
    // Coalescing and circuits act alone too: reads answer at once, as without REDIS_URL.
    expect(metrics).toMatch(/portico_redis_degraded\{store="fleet"\} 1/);
    const started = performance.now();
    expect((await fetch(`${url}/productdetails/p1`)).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
