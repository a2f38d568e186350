import { randomUUID } from "node:crypto";
import http from "node:http";
import { describe, expect, it } from "vitest";
import { injectFault, startBff } from "../support/processes.js";
import { useStack } from "../support/stack.js";
import { bearer, demoToken } from "../support/tokens.js";
import { headerLines, jsonOf, MANY_IDS, PARTNER_KEY, type WireAnswer, wire } from "./support.js";

// Contract 2.8, Cache-Control: authenticated answers are `private,
// no-cache`; an anonymous fresh composite `public, max-age=CLIENT_MAX_AGE_S`;
// anything degraded, every problem, every write and the ops routes `no-store`.

const TINY_KEY = "wire-tiny-quota-key-0123456";
const KEYS = JSON.stringify([
  { key: PARTNER_KEY, name: "wire", ratePerMinute: 1_000_000 },
  { key: TINY_KEY, name: "tiny", ratePerMinute: 1 },
]);

const stack = useStack({
  bffEnv: {
    BREAKER_MIN_REQUESTS: "100000",
    UPSTREAM_TIMEOUT_MS: "2000",
    // A catalog call that takes longer is a 504 (the faults below delay one product only).
    CATALOG_TIMEOUT_MS: "1000",
    REQUEST_DEADLINE_MS: "4000",
  },
  bffs: {
    mobile: { app: "mobile-bff" },
    mobile30: { app: "mobile-bff", env: { CLIENT_MAX_AGE_S: "30" } },
    web30: { app: "web-bff", env: { CLIENT_MAX_AGE_S: "30" } },
    partner: { app: "partner-bff", env: { PARTNER_KEYS: KEYS, CLIENT_MAX_AGE_S: "30" } },
    // Its catalog circuit is opened by the 503 test and stays open.
    shed: {
      app: "mobile-bff",
      env: { BREAKER_MIN_REQUESTS: "2", BREAKER_ERROR_PCT: "50", BREAKER_OPEN_MS: "120000" },
    },
  },
  clearFaults: true,
});

type Bff = "mobile" | "mobile30" | "web30" | "partner" | "shed";
const url = (bff: Bff, path: string) => `${stack.bffs[bff].url}${path}`;
const token = async (customerId = "c1") => bearer(await demoToken(stack.shop, { customerId }));
const KEYED = { "x-api-key": PARTNER_KEY };

/** Every Cache-Control line of the answer, as one value. */
function cacheControlOf(answer: WireAnswer): string | undefined {
  const lines = headerLines(answer, "cache-control");
  return lines.length === 0 ? undefined : lines.join(", ");
}

function expectCacheControl(answer: WireAnswer, status: number, value: string, label: string): void {
  expect(answer.status, `${label}: status`).toBe(status);
  expect(cacheControlOf(answer), `${label}: Cache-Control`).toBe(value);
}

describe("a fresh composite", () => {
  it("is public, max-age=CLIENT_MAX_AGE_S for an anonymous caller (default 0)", async () => {
    const cases: [Bff, string, string][] = [
      ["mobile", "/productdetails/p1", "public, max-age=0"],
      ["mobile", "/productdetails?productid=p2", "public, max-age=0"],
      ["mobile30", "/productdetails/p1", "public, max-age=30"],
      ["mobile30", "/productdetails?productid=p2", "public, max-age=30"],
      ["web30", "/api/product-page/p1", "public, max-age=30"],
    ];
    for (const [bff, path, value] of cases) {
      for (const acceptEncoding of ["", "br"]) {
        const answer = await wire(url(bff, path), {
          headers: acceptEncoding === "" ? {} : { "accept-encoding": "br" },
        });
        expect(jsonOf(answer).degraded, `${bff} ${path}`).toEqual({});
        expectCacheControl(answer, 200, value, `${bff} ${path} ${acceptEncoding}`);
      }
    }
  });

  it("is private, no-cache for a signed-in customer, whatever CLIENT_MAX_AGE_S", async () => {
    const auth = await token("c1");
    for (const [bff, path] of [
      ["mobile", "/productdetails/p1"],
      ["mobile30", "/productdetails/p1"],
      ["web30", "/api/product-page/p1"],
      ["web30", "/api/wishlist"],
    ] as [Bff, string][]) {
      const answer = await wire(url(bff, path), { headers: auth });
      expect(jsonOf(answer).degraded, `${bff} ${path}`).toEqual({});
      expectCacheControl(answer, 200, "private, no-cache", `${bff} ${path}`);
    }
  });

  it("is private, no-cache for a partner with its API key, whatever CLIENT_MAX_AGE_S", async () => {
    for (const path of ["/v1/products/p1", `/v1/products?ids=${MANY_IDS}`, "/v1/products?ids=p1,nope"]) {
      const answer = await wire(url("partner", path), { headers: { ...KEYED, "accept-encoding": "gzip" } });
      expect(jsonOf(answer).degraded, path).toEqual({});
      expectCacheControl(answer, 200, "private, no-cache", path);
    }
  });
});

describe("a degraded composite is no-store", () => {
  it("for an anonymous caller (reviews failing)", async () => {
    await injectFault(stack.shop, "reviews", { mode: "error", status: 500 });
    for (const [bff, path] of [
      ["mobile", "/productdetails/p1"],
      ["mobile30", "/productdetails/p1"],
      ["web30", "/api/product-page/p1"],
    ] as [Bff, string][]) {
      const answer = await wire(url(bff, path), { headers: { "accept-encoding": "br" } });
      expect(jsonOf(answer).degraded, `${bff} ${path}`).toMatchObject({ reviews: "empty" });
      expectCacheControl(answer, 200, "no-store", `${bff} ${path}`);
    }
  });

  it("for a signed-in customer (cart failing)", async () => {
    await injectFault(stack.shop, "cart", { mode: "error", status: 500 });
    const auth = await token("c1");
    for (const [bff, path] of [
      ["mobile30", "/productdetails/p1"],
      ["web30", "/api/product-page/p1"],
    ] as [Bff, string][]) {
      const answer = await wire(url(bff, path), { headers: auth });
      expect(jsonOf(answer).degraded, `${bff} ${path}`).toMatchObject({ cart: "empty" });
      expectCacheControl(answer, 200, "no-store", `${bff} ${path}`);
    }
  });

  it("for a partner (inventory failing)", async () => {
    await injectFault(stack.shop, "inventory", { mode: "error", status: 500 });
    const answer = await wire(url("partner", "/v1/products/p1"), { headers: KEYED });
    expect(jsonOf(answer).degraded).toEqual({ availability: "empty" });
    expectCacheControl(answer, 200, "no-store", "partner degraded");
  });

  it("for a 304 of a degraded answer too", async () => {
    await injectFault(stack.shop, "reviews", { mode: "error", status: 500 });
    const first = await wire(url("mobile30", "/productdetails/p1"));
    expectCacheControl(first, 200, "no-store", "degraded");
    const again = await wire(url("mobile30", "/productdetails/p1"), {
      headers: { "if-none-match": first.headers.etag as string },
    });
    expectCacheControl(again, 304, "no-store", "degraded 304");
  });
});

describe("every problem+json answer is no-store", () => {
  it("400, 401, 404, 405 and 429", async () => {
    const cases: [string, Bff, string, Record<string, string>, number, string?][] = [
      ["bad product id", "mobile30", "/productdetails/bad%20id", {}, 400],
      ["bad pass-through query", "mobile30", "/reviews?productId=..%2Fx", {}, 400],
      [
        "too many partner ids",
        "partner",
        `/v1/products?ids=${Array.from({ length: 51 }, (_, i) => `p${i}`).join(",")}`,
        KEYED,
        400,
      ],
      ["a bad token", "mobile30", "/productdetails/p1", { authorization: "Bearer not-a-jwt" }, 401],
      ["no API key", "partner", "/v1/products/p1", {}, 401],
      ["no token on the wishlist", "web30", "/api/wishlist", {}, 401],
      ["unknown product", "mobile30", "/productdetails/p404", {}, 404],
      ["unknown partner product", "partner", "/v1/products/p404", KEYED, 404],
      ["unknown path", "web30", "/api/no-such-thing", {}, 404],
      ["a method not served", "mobile30", "/productdetails/p1", {}, 405, "POST"],
      ["an ops route's method not served", "mobile30", "/healthz", {}, 405, "DELETE"],
    ];
    for (const [label, bff, path, headers, status, method] of cases) {
      const answer = await wire(url(bff, path), { method: method ?? "GET", headers });
      expect(answer.headers["content-type"], label).toMatch(/^application\/problem\+json/);
      expectCacheControl(answer, status, "no-store", label);
    }
    // The edge's own limits (contract 6).
    const longUrl = await wire(url("mobile30", `/productdetails/p1?x=${"a".repeat(5000)}`));
    expectCacheControl(longUrl, 414, "no-store", "URL over 4 KiB");
    const bigHeaders = await wire(url("mobile30", "/productdetails/p1"), {
      headers: { "x-big": "b".repeat(17_000) },
    });
    expectCacheControl(bigHeaders, 431, "no-store", "headers over 16 KiB");
    const first = await wire(url("partner", "/v1/products/p1"), { headers: { "x-api-key": TINY_KEY } });
    expectCacheControl(first, 200, "private, no-cache", "tiny key, first request");
    const over = await wire(url("partner", "/v1/products/p1"), { headers: { "x-api-key": TINY_KEY } });
    expect(over.headers["retry-after"]).toBeDefined();
    expectCacheControl(over, 429, "no-store", "over quota");
  });

  it("502: a required upstream fails", async () => {
    await injectFault(stack.shop, "catalog", { mode: "error", status: 500, paths: ["/products/p7"] });
    expectCacheControl(await wire(url("mobile30", "/productdetails/p7")), 502, "no-store", "mobile 502");
    expectCacheControl(await wire(url("web30", "/api/product-page/p7")), 502, "no-store", "web 502");
    const partner = await wire(url("partner", "/v1/products/p7"), { headers: KEYED });
    expectCacheControl(partner, 502, "no-store", "partner 502 (keyed)");
  });

  it("504: a required upstream times out", async () => {
    await injectFault(stack.shop, "catalog", { mode: "delay", ms: 5_000, paths: ["/products/p8"] });
    expectCacheControl(await wire(url("mobile30", "/productdetails/p8")), 504, "no-store", "mobile 504");
    const partner = await wire(url("partner", "/v1/products/p8"), { headers: KEYED });
    expectCacheControl(partner, 504, "no-store", "partner 504 (keyed)");
  });

  it("503: a required upstream is shed (circuit open), and /readyz says so", async () => {
    await injectFault(stack.shop, "catalog", { mode: "error", status: 500, paths: ["/products/p9"] });
    let answer = await wire(url("shed", "/productdetails/p9"));
    for (let i = 0; i < 20 && answer.status !== 503; i++)
      answer = await wire(url("shed", "/productdetails/p9"));
    expect(answer.headers["retry-after"]).toBeDefined();
    expectCacheControl(answer, 503, "no-store", "503 circuit open");
    // Any product now: the circuit is the service's.
    expectCacheControl(
      await wire(url("shed", "/productdetails/p1")),
      503,
      "no-store",
      "503 for another product",
    );
    const ready = await wire(url("shed", "/readyz"));
    expect(ready.status).toBe(503);
    expect(headerLines(ready, "cache-control").every((line) => line === "no-store")).toBe(true);
  });

  it("a pass-through's 5xx becomes a no-store problem", async () => {
    await injectFault(stack.shop, "reviews", { mode: "error", status: 500 });
    const answer = await wire(url("mobile30", "/reviews?productId=p1"));
    expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expectCacheControl(answer, 502, "no-store", "pass-through 502");
  });
});

describe("every write answer is no-store", () => {
  const json = { "content-type": "application/json" };

  it.each([
    ["mobile30", ""],
    ["web30", "/api"],
  ] as [Bff, string][])(
    "on %s: PUT and DELETE a cart line, POST an order and its replay",
    async (bff, prefix) => {
      const auth = await token("c2");
      const put = await wire(url(bff, `${prefix}/cart/items/p2`), {
        method: "PUT",
        headers: { ...auth, ...json },
        body: JSON.stringify({ quantity: 1 }),
      });
      expectCacheControl(put, 200, "no-store", "PUT cart line");
      const removed = await wire(url(bff, `${prefix}/cart/items/p3`), { method: "DELETE", headers: auth });
      expectCacheControl(removed, 200, "no-store", "DELETE cart line");
      const key = `wire-${randomUUID()}`;
      const order = { method: "POST", headers: { ...auth, ...json, "idempotency-key": key }, body: "{}" };
      const placed = await wire(url(bff, `${prefix}/orders`), order);
      expectCacheControl(placed, 201, "no-store", "POST order");
      const replayed = await wire(url(bff, `${prefix}/orders`), order);
      expect(replayed.headers["idempotent-replayed"]).toBe("true");
      expectCacheControl(replayed, 201, "no-store", "POST order replayed");
    },
  );

  it("and so are the writes' problems: 401, 415, 400, 422", async () => {
    const auth = await token("c3");
    const cases: [string, string, Record<string, string>, string | undefined, number][] = [
      ["no token", "/cart/items/p1", json, '{"quantity":1}', 401],
      ["not JSON", "/cart/items/p1", { ...auth, "content-type": "text/plain" }, "1", 415],
      ["out of range", "/cart/items/p1", { ...auth, ...json }, '{"quantity":100}', 400],
      [
        "over 64 KiB",
        "/cart/items/p1",
        { ...auth, ...json },
        `{"quantity":1,"x":"${"y".repeat(70_000)}"}`,
        413,
      ],
      ["unknown product", "/cart/items/p404", { ...auth, ...json }, '{"quantity":1}', 404],
    ];
    for (const [label, path, headers, body, status] of cases) {
      const answer = await wire(url("mobile30", path), { method: "PUT", headers, body });
      expectCacheControl(answer, status, "no-store", label);
    }
    // c3 has an empty cart (seed), emptied again in case: its order is a 422.
    for (const productId of ["p1", "p2", "p3", "p4", "p5"])
      await wire(url("mobile30", `/cart/items/${productId}`), { method: "DELETE", headers: auth });
    const empty = await wire(url("mobile30", "/orders"), {
      method: "POST",
      headers: { ...auth, ...json, "idempotency-key": `wire-${randomUUID()}` },
      body: "{}",
    });
    expectCacheControl(empty, 422, "no-store", "empty cart");
    const noKey = await wire(url("mobile30", "/orders"), {
      method: "POST",
      headers: { ...auth, ...json },
      body: "{}",
    });
    expectCacheControl(noKey, 400, "no-store", "no Idempotency-Key");
  });
});

describe("the ops routes are no-store", () => {
  it.each([["mobile30"], ["web30"], ["partner"]] as [Bff][])("on %s", async (bff) => {
    const paths = [
      "/healthz",
      "/readyz",
      "/metrics",
      "/admin/status",
      "/admin",
      "/admin/dashboard.css",
      "/admin/dashboard.js",
    ];
    if (bff === "web30") paths.push("/admin/live");
    for (const path of paths) {
      for (const method of ["GET", "HEAD"]) {
        const answer = await wire(url(bff, path), { method, headers: { "accept-encoding": "gzip" } });
        expectCacheControl(answer, 200, "no-store", `${method} ${path}`);
      }
    }
  });
});

describe("the dashboard's live feed", () => {
  it("is no-store and never compressed (events must not wait in a compressor)", async () => {
    const { status, headers } = await new Promise<{ status: number; headers: http.IncomingHttpHeaders }>(
      (resolve, reject) => {
        const req = http.get(
          url("mobile30", "/admin/events"),
          { headers: { "accept-encoding": "gzip, br" }, agent: false },
          (res) => {
            resolve({ status: res.statusCode ?? 0, headers: res.headers });
            req.destroy();
          },
        );
        req.on("error", (error) => (req.destroyed ? undefined : reject(error)));
      },
    );
    expect(status).toBe(200);
    expect(headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(headers["cache-control"]).toBe("no-store");
    expect(headers["content-encoding"]).toBeUndefined();
  });
});

describe("CLIENT_MAX_AGE_S", () => {
  it("stops start-up with a line naming it for a value that is not a whole number of seconds", async () => {
    for (const value of ["-1", "abc", "1.5", "30s"]) {
      const failure = await startBff("mobile-bff", { ...stack.shop.env, CLIENT_MAX_AGE_S: value }).then(
        async (bff) => {
          await bff.stop();
          return undefined;
        },
        (error: unknown) => String(error),
      );
      expect(failure, `CLIENT_MAX_AGE_S=${value} must stop start-up`).toBeDefined();
      expect(failure).toMatch(/CLIENT_MAX_AGE_S/);
    }
  });
});
