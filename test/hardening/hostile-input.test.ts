import { rawGet, rawRequest } from "@portico/test-support";
import { beforeEach, describe, expect, it } from "vitest";
import { clearRecordedRequests, recordedRequests } from "../support/processes.js";
import {
  expectCleanUpstreams,
  expectContractAnswer,
  PARTNER_KEY,
  portOf,
  useHardeningStack,
} from "./support.js";

const stack = useHardeningStack();

beforeEach(async () => {
  await clearRecordedRequests(stack.shop);
});

const KEY = { "X-API-Key": PARTNER_KEY };

/** Path traversal and encoding tricks in the id, per BFF route: each is a 400 (bad id) or a 404 (no route). */
const TRAVERSALS = [
  "..",
  "%2e%2e",
  "%2E%2E%2F",
  "..%2f..%2fadmin",
  "%2e%2e%2f%2e%2e%2fproducts",
  "%252e%252e%252f",
  "%25252e%25252e",
  "..%5c..%5c",
  "p1%5c..%5c..",
  "p1\\..\\..\\x",
  "%2F%2Fevil.example",
  "p1%00",
  "p1%0d%0aSet-Cookie:%20a=1",
  "p1%23frag",
  "p1%3Fids=p2",
  "p1;x=1",
  "p1%20",
  "%ff%fe",
  "%c0%ae%c0%ae",
  "%u002e%u002e",
  "%E2%80%A5",
  "%EF%BC%8E%EF%BC%8E",
  "a".repeat(65),
];

const ROUTES = [
  { bff: "mobile-bff", prefix: "/productdetails/", headers: {} },
  { bff: "web-bff", prefix: "/api/product-page/", headers: {} },
  { bff: "partner-bff", prefix: "/v1/products/", headers: KEY },
] as const;

describe("path traversal and encoding tricks in ids", () => {
  for (const { bff, prefix, headers } of ROUTES) {
    it(`never reach an upstream through ${bff} ${prefix}{id}`, async () => {
      const port = portOf(stack.bffs[bff]);
      for (const id of TRAVERSALS) {
        const answer = await rawGet(port, `${prefix}${id}`, headers);
        expectContractAnswer(answer, [400, 404], `${bff} ${prefix}${id}`);
      }
      // Nothing hostile reached a service: the BFFs refused every one of these before any call.
      expect(await recordedRequests(stack.shop)).toEqual([]);
    });
  }

  it("keeps extra path segments from matching a route at all", async () => {
    for (const target of [
      "/productdetails/p1/../../admin",
      "/productdetails/p1/x",
      "/api/product-page/p1/%2e%2e/x",
      "/v1/products/p1/../p2",
    ]) {
      const bff = target.startsWith("/v1")
        ? "partner-bff"
        : target.startsWith("/api")
          ? "web-bff"
          : "mobile-bff";
      const answer = await rawGet(portOf(stack.bffs[bff]), target, KEY);
      expectContractAnswer(answer, [404], target);
    }
    expect(await recordedRequests(stack.shop)).toEqual([]);
  });
});

describe("query values", () => {
  it("are validated before they reach an upstream query string", async () => {
    const mobile = portOf(stack.bffs["mobile-bff"]);
    const partner = portOf(stack.bffs["partner-bff"]);
    const cases: [number, string, Record<string, string>][] = [
      [mobile, "/productdetails?productid=..%2Fx", {}],
      [mobile, "/productdetails?productid=p1%26limit%3D1000", {}],
      [mobile, "/productdetails?productid=p1&productid=p2", {}],
      [mobile, "/productdetails?productid[]=p1", {}],
      [mobile, "/productdetails?productid[a]=p1", {}],
      [mobile, "/productdetails?productid=p1%23", {}],
      [mobile, "/productdetails?productid=", {}],
      [partner, "/v1/products?ids=p1,..%2Fx", KEY],
      [partner, "/v1/products?ids=p1%26ids%3Dp2", KEY],
      [partner, "/v1/products?ids=p1&ids=p2", KEY],
      [partner, `/v1/products?ids=${Array.from({ length: 51 }, (_, i) => `p${i + 1}`).join(",")}`, KEY],
      [partner, "/v1/products?ids=,,", KEY],
    ];
    for (const [port, target, headers] of cases) {
      expectContractAnswer(await rawGet(port, target, headers), [400], target);
    }
    expect(await recordedRequests(stack.shop)).toEqual([]);
  });

  it("on the /reviews pass-through are validated too, and nothing else the client sends goes upstream", async () => {
    const mobile = portOf(stack.bffs["mobile-bff"]);
    for (const query of [
      "productId=..%2Fx",
      "productId=p1%2F..%2F..%2Fadmin",
      "productId=p1&limit=1000",
      "productId=p1&limit=-1",
      "productId=p1&limit=1e2",
      "productId=p1&productId=p2",
      "productId[]=p1",
      "limit=5",
    ]) {
      expectContractAnswer(await rawGet(mobile, `/reviews?${query}`), [400], `/reviews?${query}`);
    }
    expect(await recordedRequests(stack.shop)).toEqual([]);

    // Unknown parameters (an SSRF attempt among them) are dropped: the path and host are fixed.
    const answer = await rawGet(
      mobile,
      "/reviews?productId=p1&limit=2&url=http%3A%2F%2Fevil.example%2F&path=%2Fadmin&productid=p2",
      { Host: "evil.example", "X-Forwarded-Host": "evil.example" },
    );
    expectContractAnswer(answer, [200], "pass-through with extras");
    const upstream = await expectCleanUpstreams(stack.shop);
    expect(upstream.map(({ service, path, query }) => ({ service, path, query }))).toEqual([
      { service: "reviews", path: "/reviews", query: "productId=p1&limit=2" },
    ]);
  });
});

describe("host-header and forwarding tricks", () => {
  it("never change which upstream or path is called, and never redirect", async () => {
    const port = portOf(stack.bffs["mobile-bff"]);
    const catalogHost = new URL(stack.shop.urls.catalog).host;
    const tricks: [string, Record<string, string>][] = [
      ["/productdetails/p1", { Host: "evil.example" }],
      ["/productdetails/p1", { Host: catalogHost }],
      ["/productdetails/p1", { Host: "evil.example:80@127.0.0.1" }],
      ["/productdetails/p1", { "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "gopher" }],
      ["/productdetails/p1", { "X-Original-URL": "/admin", "X-Rewrite-URL": "/products/p2" }],
      ["/productdetails/p1", { Forwarded: "host=evil.example;proto=https" }],
      ["http://evil.example/productdetails/p1", {}],
      [`http://${catalogHost}/productdetails/p1`, {}],
    ];
    for (const [target, headers] of tricks) {
      const answer = await rawGet(port, target, headers);
      expectContractAnswer(answer, [200, 400], `${target} ${JSON.stringify(headers)}`);
    }
    const requests = await expectCleanUpstreams(stack.shop);
    const catalog = requests.filter((request) => request.service === "catalog");
    expect(catalog.length).toBeGreaterThan(0);
    expect(new Set(catalog.map((request) => request.path))).toEqual(new Set(["/products/p1"]));
  });

  it("gives no open redirect for any path that looks like another site", async () => {
    for (const bff of ["mobile-bff", "web-bff", "partner-bff"] as const) {
      const port = portOf(stack.bffs[bff]);
      for (const target of [
        "//evil.example",
        "//evil.example/%2e%2e",
        "/\\evil.example",
        "/%5cevil.example",
        "/%2F%2Fevil.example",
        "///evil.example/",
        "/.evil.example",
        "/redirect?url=https://evil.example",
        "/login?next=//evil.example",
        "/productdetails/p1/",
        "/api/product-page/p1/",
      ]) {
        const answer = await rawGet(port, target, KEY);
        expect(answer.status < 300 || answer.status >= 400, `${bff} ${target}: ${answer.status}`).toBe(true);
        expectContractAnswer(answer, [200, 400, 404], `${bff} ${target}`);
      }
    }
    await expectCleanUpstreams(stack.shop);
  });
});

describe("hostile header values", () => {
  it("are refused by the parser (CR, LF, NUL) with a 400 problem, or ignored when well-formed but invalid", async () => {
    const port = portOf(stack.bffs["mobile-bff"]);
    for (const line of [
      "X-Request-Id: a\rSet-Cookie: x=1",
      "X-Request-Id: a\nSet-Cookie: x=1",
      "X-Request-Id: a\0b",
      "Authorization: Bearer a\r\n b",
      "Bad Header: x",
      "X-Request-Id : spaced-name",
    ]) {
      const answer = await rawRequest(port, `GET /productdetails/p1 HTTP/1.1\r\nHost: x\r\n${line}\r\n\r\n`);
      expectContractAnswer(answer, [400], JSON.stringify(line));
      expect(answer.headers.connection).toBe("close");
    }
    for (const target of [
      "/productdetails/p1\r",
      "/productdetails/p1\t",
      "/product details/p1",
      "/productdetails/p1\0",
    ]) {
      const answer = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expectContractAnswer(answer, [400], JSON.stringify(target));
    }
    // Well-formed headers with hostile values: the request id is replaced, the trace restarted.
    const answer = await rawGet(port, "/productdetails/p1", {
      "X-Request-Id": "../../etc/passwd",
      traceparent: "00-zzzz-yyyy-01",
      Cookie: "session=stolen",
    });
    expectContractAnswer(answer, [200], "hostile but well-formed headers");
    expect(answer.headers["x-request-id"]).not.toBe("../../etc/passwd");
    const upstream = await expectCleanUpstreams(stack.shop);
    for (const request of upstream) {
      expect(request.requestId).toBe(answer.headers["x-request-id"]);
      expect(request.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
    }
  });

  it("answers a bad bearer token or API key with 401, never a crash or an upstream call", async () => {
    const web = portOf(stack.bffs["web-bff"]);
    const partner = portOf(stack.bffs["partner-bff"]);
    for (const value of [
      "Bearer",
      "Bearer a.b.c",
      "Bearer ../../x",
      "Basic YTpi",
      `Bearer ${"a".repeat(8000)}.b.c`,
    ]) {
      expectContractAnswer(
        await rawGet(web, "/api/wishlist", { Authorization: value }),
        [401],
        value.slice(0, 20),
      );
    }
    // (Surrounding spaces are not part of a header value: " key " is the key itself.)
    for (const value of ["", " ", "x".repeat(8000), "demo-partner-key", `${PARTNER_KEY}x`, "%00"]) {
      expectContractAnswer(
        await rawGet(partner, "/v1/products/p1", { "X-API-Key": value }),
        [401],
        value.slice(0, 20),
      );
    }
    const upstream = await recordedRequests(stack.shop);
    expect(upstream.filter((request) => request.service !== "auth")).toEqual([]);
  });
});
