import { afterEach, describe, expect, it } from "vitest";
import { json } from "../http/answer.js";
import { createGatewayApp } from "../http/gateway-app.js";
import { type EdgeTestServer, serveEdge } from "../test-support/edge-server.js";
import { MemoryRateLimiter } from "./memory-rate-limiter.js";
import { type RateLimitOptions, rateLimit } from "./rate-limit-middleware.js";
import type { RateLimiter } from "./rate-limiter.js";

let server: EdgeTestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A real app with one metered route; the quota key comes from the `x-who` header. */
async function serve(options: Partial<RateLimitOptions> & { limiter: RateLimiter }): Promise<string> {
  const { routes, finish } = createGatewayApp({ requestDeadlineMs: 1_000 });
  routes({
    "/thing": {
      get: [
        rateLimit({
          quotaOf: (_ctx, exchange) => {
            const who = exchange.header("x-who");
            return who === undefined ? undefined : { key: who, limit: 2 };
          },
          ...options,
        }),
        () => json({ ok: true }),
      ],
    },
  });
  server = await serveEdge(finish());
  return server.url;
}

describe("rateLimit middleware", () => {
  it("sets the RateLimit headers on every metered answer and ends in a 429 with Retry-After", async () => {
    const url = await serve({ limiter: new MemoryRateLimiter() });
    const headers = { "x-who": "acme" };
    const first = await fetch(`${url}/thing`, { headers });
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("2");
    expect(first.headers.get("ratelimit-remaining")).toBe("1");
    expect(first.headers.get("ratelimit-reset")).toMatch(/^(59|60)$/);
    expect((await fetch(`${url}/thing`, { headers })).headers.get("ratelimit-remaining")).toBe("0");

    const refused = await fetch(`${url}/thing`, { headers });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get("retry-after")).toMatch(/^(59|60)$/);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(await refused.json()).toMatchObject({ status: 429, code: "RATE_LIMITED", instance: "/thing" });
  });

  it("lets a request without a quota through without headers", async () => {
    const url = await serve({ limiter: new MemoryRateLimiter() });
    const response = await fetch(`${url}/thing`);
    expect(response.status).toBe(200);
    expect(response.headers.get("ratelimit-limit")).toBeNull();
  });

  it("lets requests through and reports the error when the limiter fails", async () => {
    const errors: unknown[] = [];
    const broken: RateLimiter = {
      consume: () => Promise.reject(new Error("store down")),
      close: async () => {},
    };
    const url = await serve({ limiter: broken, onLimiterError: (error) => errors.push(error) });
    const response = await fetch(`${url}/thing`, { headers: { "x-who": "acme" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("ratelimit-limit")).toBeNull();
    expect(errors).toHaveLength(1);
  });
});
