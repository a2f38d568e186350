import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../support/problem.js";
import { type DemoShop, type RunningBff, startBff, startDemoShop } from "../support/processes.js";

const ACME = "acme-e2e-key-0123456789";
const GLOBEX = "globex-e2e-key-0123456789";
/** Short quota windows, so recovery after a window is quick to watch. */
const WINDOW_MS = 3_000;

let shop: DemoShop;
let bff: RunningBff;

beforeAll(async () => {
  shop = await startDemoShop();
  bff = await startBff("partner-bff", {
    ...shop.env,
    PARTNER_KEYS: JSON.stringify([
      { key: ACME, name: "acme", ratePerMinute: 3 },
      { key: GLOBEX, name: "globex", ratePerMinute: 1_000 },
    ]),
    PARTNER_RATE_WINDOW_MS: String(WINDOW_MS),
  });
});

afterAll(async () => {
  await bff?.stop();
  await shop?.stop();
});

describe("partner-bff API keys", () => {
  it.each([
    ["a missing key", {}],
    ["an empty key", { "x-api-key": "" }],
    ["an unknown key", { "x-api-key": "not-a-known-key-at-all" }],
    ["a key in the wrong case", { "x-api-key": GLOBEX.toUpperCase() }],
  ])("answers 401 problem+json for %s, without RateLimit headers", async (_label, headers) => {
    for (const path of ["/v1/products/p1", "/v1/products?ids=p1"]) {
      const response = await fetch(`${bff.url}${path}`, { headers });
      const body = await expectProblem(response, 401, path.split("?")[0]);
      expect(response.headers.get("www-authenticate")).toMatch(/X-API-Key/);
      expect(response.headers.get("ratelimit-limit")).toBeNull();
      expect(JSON.stringify(body)).not.toContain("not-a-known-key");
    }
  });

  it("checks the key before the input", async () => {
    await expectProblem(await fetch(`${bff.url}/v1/products/bad%20id`), 401);
    await expectProblem(
      await fetch(`${bff.url}/v1/products/bad%20id`, { headers: { "x-api-key": GLOBEX } }),
      400,
    );
  });

  it("serves the OpenAPI document without a key", async () => {
    const response = await fetch(`${bff.url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("ratelimit-limit")).toBeNull();
  });
});

describe("partner-bff quotas", () => {
  it("answers 429 with Retry-After past the key's quota, and serves it again after the window", async () => {
    const headers = { "x-api-key": ACME };
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => fetch(`${bff.url}/v1/products/p2`, { headers })),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429]);
    for (const answer of answers) {
      expect(answer.headers.get("ratelimit-limit")).toBe("3");
      const reset = Number(answer.headers.get("ratelimit-reset"));
      expect(reset).toBeGreaterThanOrEqual(1);
      expect(reset).toBeLessThanOrEqual(WINDOW_MS / 1000);
    }
    expect(answers.map((r) => r.headers.get("ratelimit-remaining")).sort()).toEqual(["0", "0", "1", "2"]);

    const refused = answers.find((r) => r.status === 429) as Response;
    const problem = await expectProblem(refused, 429, "/v1/products/p2");
    expect(problem.code).toBe("RATE_LIMITED");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBe(Number(refused.headers.get("ratelimit-reset")));

    // Another key is counted on its own.
    expect((await fetch(`${bff.url}/v1/products/p2`, { headers: { "x-api-key": GLOBEX } })).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 200));
    const again = await fetch(`${bff.url}/v1/products/p2`, { headers });
    expect(again.status).toBe(200);
    expect(again.headers.get("ratelimit-remaining")).toBe("2");
  });
});

describe("partner-bff start-up", () => {
  it.each([
    ["not JSON", "[{", /PARTNER_KEYS is not valid JSON/],
    [
      "a short key",
      JSON.stringify([{ key: "tiny-secret", name: "acme", ratePerMinute: 5 }]),
      /PARTNER_KEYS entry 0 key must be at least 16 characters/,
    ],
    [
      "a bad quota",
      JSON.stringify([{ key: "long-enough-secret-key", name: "acme", ratePerMinute: -1 }]),
      /PARTNER_KEYS entry 0 ratePerMinute must be at least 1/,
    ],
  ])(
    "stops with one line naming PARTNER_KEYS for %s, without printing the keys",
    async (_label, value, line) => {
      const failure = await startBff("partner-bff", { ...shop.env, PARTNER_KEYS: value }).then(
        async (started) => {
          await started.stop();
          throw new Error("partner-bff started with a bad PARTNER_KEYS");
        },
        (error: Error) => error.message,
      );
      expect(failure).toMatch(/exited with 1 before it was ready/);
      const output = failure.split("\n").slice(1).join("\n").trim();
      expect(output.split("\n")).toHaveLength(1);
      expect(output).toMatch(/^partner-bff: Invalid configuration: /);
      expect(output).toMatch(line);
      expect(output).not.toMatch(/tiny-secret|long-enough-secret-key/);
    },
  );
});
