import { rawGet, rawRequest } from "@portico/test-support";
import { describe, expect, it } from "vitest";
import { clearFaults, injectFault } from "../support/processes.js";
import {
  BFFS,
  expectContractAnswer,
  expectEdgeHeaders,
  headersOf,
  PARTNER_KEY,
  portOf,
  SPA_ORIGIN,
  TINY_KEY,
  useHardeningStack,
} from "./support.js";

const stack = useHardeningStack({}, { clearFaults: true });

const KEY = { "X-API-Key": PARTNER_KEY };

describe("every answer carries nosniff and no X-Powered-By, Server or Set-Cookie", () => {
  it("for each status a BFF gives: 200, 204, 400, 401, 404, 405, 413, 414, 429, 431", async () => {
    const mobile = portOf(stack.bffs["mobile-bff"]);
    const web = portOf(stack.bffs["web-bff"]);
    const partner = portOf(stack.bffs["partner-bff"]);
    const cases = [
      [200, () => rawGet(mobile, "/productdetails/p1")],
      [200, () => rawGet(mobile, "/healthz")],
      [200, () => rawGet(partner, "/v1/openapi.json")],
      [400, () => rawGet(mobile, "/productdetails/..%2Fx")],
      [401, () => rawGet(web, "/api/wishlist")],
      [401, () => rawGet(partner, "/v1/products/p1")],
      [404, () => rawGet(mobile, "/productdetails/p999")],
      [404, () => rawGet(web, "/no/such/route")],
      [404, () => rawGet(partner, "/v2/products/p1", KEY)],
      [
        413,
        () =>
          rawRequest(web, "GET /api/product-page/p1 HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\n"),
      ],
      [414, () => rawGet(mobile, `/productdetails/${"x".repeat(5_000)}`)],
      [414, () => rawGet(web, `/api/product-page/${"x".repeat(20_000)}`)],
      [431, () => rawGet(partner, "/v1/products/p1", { ...KEY, Cookie: "c".repeat(20_000) })],
    ] as const;
    for (const [status, send] of cases) expectContractAnswer(await send(), [status], `expected ${status}`);

    const disallowed = await rawRequest(
      mobile,
      "POST /productdetails/p1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    );
    expectContractAnswer(disallowed, [405], "405");
    expect(disallowed.headers.allow).toBe("GET, HEAD");
    const deleteOnPartner = await rawRequest(
      partner,
      `DELETE /v1/products/p1 HTTP/1.1\r\nHost: x\r\nX-API-Key: ${PARTNER_KEY}\r\n\r\n`,
    );
    expectContractAnswer(deleteOnPartner, [405], "405 partner");
    expect(deleteOnPartner.headers.allow).toContain("GET");

    expectContractAnswer(await rawGet(partner, "/v1/products/p1", { "X-API-Key": TINY_KEY }), [200], "first");
    const limited = await rawGet(partner, "/v1/products/p1", { "X-API-Key": TINY_KEY });
    expectContractAnswer(limited, [429], "429");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);

    const preflight = await rawRequest(
      web,
      `OPTIONS /api/product-page/p1 HTTP/1.1\r\nHost: x\r\nOrigin: ${SPA_ORIGIN}\r\nAccess-Control-Request-Method: GET\r\n\r\n`,
    );
    expect(preflight.status).toBe(204);
    expectEdgeHeaders(preflight.headers, "204");
  });

  it("sets helmet's API headers: a CSP that loads nothing, no framing, no referrer", async () => {
    for (const bff of BFFS) {
      const response = await fetch(`${stack.bffs[bff].url}/healthz`);
      const headers = headersOf(response);
      expect(headers["content-security-policy"]).toContain("default-src 'none'");
      expect(headers["x-frame-options"]).toBe("DENY");
      expect(headers["referrer-policy"]).toBe("no-referrer");
    }
  });
});

describe("failing upstreams", () => {
  it("become problem bodies that never echo an upstream URL, host or stack trace", async () => {
    const mobile = portOf(stack.bffs["mobile-bff"]);
    const partner = portOf(stack.bffs["partner-bff"]);
    for (const fault of [
      { mode: "error", status: 500 },
      { mode: "malformed" },
      { mode: "wrong-shape" },
      { mode: "reset" },
      { mode: "refuse" },
      { mode: "error", status: 418 },
    ]) {
      await injectFault(stack.shop, "catalog", fault);
      const what = JSON.stringify(fault);
      const answer = await rawGet(mobile, "/productdetails/p2");
      expectContractAnswer(answer, [502, 503, 504], what);
      expect(answer.body).not.toContain(new URL(stack.shop.urls.catalog).port);
      expectContractAnswer(await rawGet(partner, "/v1/products/p2", KEY), [502, 503, 504], `partner ${what}`);
      await clearFaults(stack.shop);
      // The same through the pass-through: its upstream's 5xx is a problem, and the BFF lives on.
      await injectFault(stack.shop, "reviews", fault);
      const relayed = await rawGet(mobile, "/reviews?productId=p2&limit=2");
      // (A 2xx or 4xx is relayed as it is, even a malformed body: the pass-through does not parse it.)
      expectContractAnswer(relayed, [200, 418, 502, 503, 504], `pass-through ${what}`, { relayed: true });
      await clearFaults(stack.shop);
      expect(stack.bffs["mobile-bff"].child.exitCode, `mobile-bff after ${what}`).toBeNull();
    }
  });
});

describe("CORS per BFF", () => {
  it("web-bff allows its SPA origin only", async () => {
    const url = stack.bffs["web-bff"].url;
    const allowed = await fetch(`${url}/api/product-page/p1`, { headers: { origin: SPA_ORIGIN } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(SPA_ORIGIN);
    const error = await fetch(`${url}/api/wishlist`, { headers: { origin: SPA_ORIGIN } });
    expect(error.status).toBe(401);
    expect(error.headers.get("access-control-allow-origin")).toBe(SPA_ORIGIN);
    for (const origin of [
      "https://evil.example",
      "null",
      "https://shop.example.evil.example",
      "http://shop.example",
    ]) {
      const response = await fetch(`${url}/api/product-page/p1`, { headers: { origin } });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin"), origin).toBeNull();
    }
  });

  it("mobile-bff and partner-bff (no CORS_ORIGINS) send no CORS headers to any origin", async () => {
    for (const bff of ["mobile-bff", "partner-bff"] as const) {
      const target = bff === "mobile-bff" ? "/productdetails/p1" : "/v1/products/p1";
      const response = await fetch(`${stack.bffs[bff].url}${target}`, {
        headers: { origin: SPA_ORIGIN, ...KEY },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    }
  });
});
