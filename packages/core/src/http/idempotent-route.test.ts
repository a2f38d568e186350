import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { withIdentity } from "../context.js";
import { CartEmptyError, UpstreamStatusError } from "../errors/index.js";
import { MemoryIdempotencyStore } from "../idempotency/memory-idempotency-store.js";
import { type EdgeTestServer, serveEdge } from "../test-support/edge-server.js";
import type { Exchange } from "./exchange.js";
import { createGatewayApp } from "./gateway-app.js";
import { idempotentRoute } from "./idempotent-route.js";
import { jsonBody } from "./json-body.js";

let edge: EdgeTestServer;
let calls = 0;
// What the next handler call does: answer, throw a 4xx, or throw a 5xx.
let outcome: "ok" | "4xx" | "5xx" = "ok";
let gate: Promise<void> = Promise.resolve();
const store = new MemoryIdempotencyStore();
const body = jsonBody(z.object({ mode: z.string().default("a") }).strict(), { optional: true });

function signedIn(exchange: Exchange): undefined {
  exchange.ctx = withIdentity(exchange.ctx, { customerId: exchange.header("x-user") ?? "u1" });
  return undefined;
}

beforeAll(async () => {
  const { routes, finish } = createGatewayApp({ requestDeadlineMs: 2_000 });
  const handler = idempotentRoute(
    { store, requestDeadlineMs: 2_000, ttlS: 60, bodyOf: body.rawOf },
    async (exchange, key) => {
      calls++;
      await gate;
      if (outcome === "4xx") throw new CartEmptyError();
      if (outcome === "5xx") throw new UpstreamStatusError("orders", 500);
      return {
        status: 201,
        headers: { Location: `/orders/${calls}` },
        body: { key, mode: body.of(exchange).mode, n: calls },
      };
    },
  );
  routes({ "/orders": { post: [signedIn, body, handler] } });
  edge = await serveEdge(finish());
});

afterAll(async () => {
  await edge.close();
  await store.close();
});

beforeEach(() => {
  calls = 0;
  outcome = "ok";
  gate = Promise.resolve();
});

let n = 0;
const newKey = () => `key-${Date.now()}-${n++}`;
const post = (key: string | undefined, json?: string, user = "u1") =>
  fetch(`${edge.url}/orders`, {
    method: "POST",
    headers: {
      "x-user": user,
      ...(key === undefined ? {} : { "idempotency-key": key }),
      ...(json === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(json === undefined ? {} : { body: json }),
  });

describe("idempotentRoute", () => {
  it("runs the handler once and replays its answer with Idempotent-Replayed", async () => {
    const key = newKey();
    const first = await post(key, '{"mode":"b"}');
    expect(first.status).toBe(201);
    const again = await post(key, '{ "mode" : "b" }');
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(await again.json()).toEqual(await first.json());
    expect(calls).toBe(1);
  });

  it("answers another body under a used key with 422, a missing or malformed key with 400", async () => {
    const key = newKey();
    await post(key, '{"mode":"b"}');
    expect((await post(key, '{"mode":"c"}')).status).toBe(422);
    expect((await post(undefined)).status).toBe(400);
    expect((await post("short")).status).toBe(400);
    expect((await post("has space in it")).status).toBe(400);
    expect(calls).toBe(1);
  });

  it("scopes keys to the customer", async () => {
    const key = newKey();
    await post(key, undefined, "u1");
    expect((await post(key, undefined, "u2")).headers.get("idempotent-replayed")).toBeNull();
    expect(calls).toBe(2);
  });

  it("answers 409 with Retry-After while the first request runs", async () => {
    let open = () => {};
    gate = new Promise((resolve) => {
      open = resolve;
    });
    const key = newKey();
    const first = post(key);
    while (calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await post(key, '{"mode":"other"}');
    expect(second.status).toBe(409);
    expect(second.headers.get("retry-after")).toMatch(/^\d+$/);
    open();
    expect((await first).status).toBe(201);
  });

  it("keeps a 4xx problem and replays it with the new request's requestId", async () => {
    outcome = "4xx";
    const key = newKey();
    const first = await post(key);
    expect(first.status).toBe(422);
    const again = await post(key);
    expect(again.status).toBe(422);
    expect(again.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const [a, b] = [
      (await first.json()) as { requestId: string },
      (await again.json()) as { requestId: string },
    ];
    expect(b.requestId).toBe(again.headers.get("x-request-id"));
    expect(b.requestId).not.toBe(a.requestId);
    expect(calls).toBe(1);
  });

  it("releases the key after a 5xx, so the same key may be retried", async () => {
    outcome = "5xx";
    const key = newKey();
    expect((await post(key)).status).toBe(502);
    outcome = "ok";
    const retry = await post(key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(calls).toBe(2);
  });
});
