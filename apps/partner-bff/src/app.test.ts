import { createGateway, type Gateway, loadGatewayConfig } from "@portico/core";
import { type LoopbackServer, listenOnLoopback } from "@portico/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { OPERATIONS } from "./api/operations.js";
import { createApp } from "./app.js";
import { loadPartnerConfig } from "./config.js";

// Every upstream points at a closed port: these tests never need an answer from one.
const env = {
  CATALOG_URL: "http://127.0.0.1:9",
  PRICING_URL: "http://127.0.0.1:9",
  INVENTORY_URL: "http://127.0.0.1:9",
  UPSTREAM_TIMEOUT_MS: "200",
  REQUEST_DEADLINE_MS: "500",
  PARTNER_KEYS: JSON.stringify([
    { key: "acme-0123456789abcdef", name: "acme", ratePerMinute: 3 },
    { key: "globex-0123456789abcd", name: "globex", ratePerMinute: 100 },
  ]),
};

let app: LoopbackServer | undefined;
let gateway: Gateway | undefined;

afterEach(async () => {
  await app?.close();
  await gateway?.close();
  app = undefined;
  gateway = undefined;
});

async function serve(): Promise<string> {
  const config = loadPartnerConfig(env, loadGatewayConfig(env, { defaultPort: 0 }));
  gateway = createGateway(config);
  app = await listenOnLoopback(createApp(gateway, config));
  return app.url;
}

const acme = { "x-api-key": "acme-0123456789abcdef" };

describe("partner-bff app", () => {
  it("answers 401 without RateLimit headers for a missing or unknown key", async () => {
    const url = await serve();
    for (const headers of [{}, { "x-api-key": "nope" }] as Record<string, string>[]) {
      const response = await fetch(`${url}/v1/products/p1`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(response.headers.get("ratelimit-limit")).toBeNull();
    }
  });

  it("meters each key on its own, on every keyed answer, and answers 429 past the quota", async () => {
    const url = await serve();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await fetch(`${url}/v1/products?ids=bad id`, { headers: acme });
      statuses.push(response.status);
      expect(response.headers.get("ratelimit-limit")).toBe("3");
      expect(response.headers.get("ratelimit-remaining")).toBe(String(2 - i));
    }
    expect(statuses).toEqual([400, 400, 400]);
    const refused = await fetch(`${url}/v1/products/p1`, { headers: acme });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const other = await fetch(`${url}/v1/products?ids=bad id`, {
      headers: { "x-api-key": "globex-0123456789abcd" },
    });
    expect(other.status).toBe(400);
    expect(other.headers.get("ratelimit-remaining")).toBe("99");
  });

  it("keeps the RateLimit headers on an upstream failure", async () => {
    const url = await serve();
    const response = await fetch(`${url}/v1/products/p1`, { headers: acme });
    expect(response.status).toBeGreaterThanOrEqual(502);
    expect(response.headers.get("ratelimit-limit")).toBe("3");
  });

  it.each([
    ["an id with a space", "/v1/products/p%201", /Path parameter "id" must match/],
    ["a 65-character id", `/v1/products/${"a".repeat(65)}`, /Path parameter "id" must match/],
    ["no ids", "/v1/products", /Query parameter "ids" is required/],
    ["empty ids", "/v1/products?ids=", /Query parameter "ids" must be comma-separated product ids/],
    ["a trailing comma", "/v1/products?ids=p1,", /must be comma-separated product ids/],
    ["a bad id in the list", "/v1/products?ids=p1,p%3B2", /must be comma-separated product ids/],
    ["ids given twice", "/v1/products?ids=p1&ids=p2", /Query parameter "ids" must be given once/],
    [
      "51 ids",
      `/v1/products?ids=${Array.from({ length: 51 }, (_, i) => `p${i}`).join(",")}`,
      /must list at most 50 ids/,
    ],
  ])("answers 400 for %s", async (_label, path, detail) => {
    const url = await serve();
    const response = await fetch(`${url}${path}`, { headers: { "x-api-key": "globex-0123456789abcd" } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toMatch(detail);
  });

  it("serves its OpenAPI document without a key and mounts every documented operation", async () => {
    const url = await serve();
    const response = await fetch(`${url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(Object.keys(document.paths).sort()).toEqual(
      Object.values(OPERATIONS)
        .map((o) => o.path)
        .sort(),
    );
    const post = await fetch(`${url}/v1/products/p1`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });
});
