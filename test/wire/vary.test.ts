import { startFakeUpstream } from "@portico/test-support";
import { afterAll, describe, expect, it } from "vitest";
import { useStack } from "../support/stack.js";
import { headerLines, single, varyOf, type WireAnswer, wire } from "./support.js";

// Contract 2.8: Vary values are merged, never replaced: Origin (CORS on),
// Accept-Encoding and an upstream's own values, each once, in one header.

const ORIGIN = "https://shop.example";
const reviews = await startFakeUpstream();
afterAll(() => reviews.close());

const stack = useStack({
  bffEnv: {
    BREAKER_MIN_REQUESTS: "100000",
    UPSTREAM_TIMEOUT_MS: "3000",
    REQUEST_DEADLINE_MS: "6000",
    CORS_ORIGINS: `${ORIGIN},https://admin.shop.example`,
  },
  bffs: {
    web: { app: "web-bff" },
    webOff: { app: "web-bff", env: { COMPRESSION: "off" } },
    mobile: { app: "mobile-bff", env: { REVIEWS_URL: reviews.url } },
  },
});

/** The one Vary line of the answer, its values lower-case; fails on a repeated line or value. */
function oneVary(answer: WireAnswer, label: string): string[] {
  expect(headerLines(answer, "vary"), `${label}: one Vary line`).toHaveLength(1);
  const values = varyOf(answer);
  expect(new Set(values).size, `${label}: each Vary value once (${values.join(", ")})`).toBe(values.length);
  return values.sort();
}

describe("Vary on web-bff with CORS_ORIGINS", () => {
  it("is one header with Accept-Encoding and Origin, each once, on an answer over 1 KB from an allowed Origin", async () => {
    for (const acceptEncoding of ["br", "gzip", "identity", undefined]) {
      const answer = await wire(`${stack.bffs.web.url}/api/product-page/p1`, {
        headers: {
          origin: ORIGIN,
          ...(acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding }),
        },
      });
      const label = `Accept-Encoding ${acceptEncoding}`;
      expect(answer.status, label).toBe(200);
      expect(answer.headers["access-control-allow-origin"], label).toBe(ORIGIN);
      expect(oneVary(answer, label)).toEqual(["accept-encoding", "origin"]);
    }
  });

  it("is the same for an origin not allowed, for no Origin, on a 304 and on ops routes over 1 KB", async () => {
    const page = `${stack.bffs.web.url}/api/product-page/p1`;
    const other = await wire(page, { headers: { origin: "https://evil.example", "accept-encoding": "br" } });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    expect(oneVary(other, "foreign origin")).toEqual(["accept-encoding", "origin"]);
    const none = await wire(page, { headers: { "accept-encoding": "gzip" } });
    expect(oneVary(none, "no Origin")).toEqual(["accept-encoding", "origin"]);
    const notModified = await wire(page, {
      headers: { origin: ORIGIN, "accept-encoding": "br", "if-none-match": none.headers.etag as string },
    });
    expect(notModified.status).toBe(304);
    expect(oneVary(notModified, "304")).toEqual(["accept-encoding", "origin"]);
    const metrics = await wire(`${stack.bffs.web.url}/metrics`, {
      headers: { origin: ORIGIN, "accept-encoding": "gzip" },
    });
    expect(single(metrics, "content-encoding")).toBe("gzip");
    expect(oneVary(metrics, "/metrics")).toEqual(["accept-encoding", "origin"]);
  });

  it("is Origin alone on answers of 1 KB or less", async () => {
    for (const path of [
      "/healthz",
      "/api/product-page/bad%20id",
      "/api/product-page/p404",
      "/api/nothing-here",
    ]) {
      const answer = await wire(`${stack.bffs.web.url}${path}`, {
        headers: { origin: ORIGIN, "accept-encoding": "br" },
      });
      expect(answer.body.length, path).toBeLessThanOrEqual(1024);
      expect(oneVary(answer, path)).toEqual(["origin"]);
    }
  });

  it("merges a preflight's own values with Origin", async () => {
    const answer = await wire(`${stack.bffs.web.url}/api/product-page/p1`, {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": "GET" },
    });
    expect(answer.status).toBe(204);
    expect(oneVary(answer, "preflight")).toEqual([
      "access-control-request-headers",
      "access-control-request-method",
      "origin",
    ]);
  });

  it("is Origin alone with COMPRESSION=off, whatever the size", async () => {
    const answer = await wire(`${stack.bffs.webOff.url}/api/product-page/p1`, {
      headers: { origin: ORIGIN, "accept-encoding": "br" },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBeGreaterThan(1024);
    expect(answer.headers["content-encoding"]).toBeUndefined();
    expect(oneVary(answer, "COMPRESSION=off")).toEqual(["origin"]);
  });
});

describe("Vary on a pass-through with CORS_ORIGINS", () => {
  const large = Buffer.from(JSON.stringify({ productId: "p1", items: "r".repeat(3000) }));

  it.each([
    ["Accept-Language", ["accept-encoding", "accept-language", "origin"]],
    ["origin, Accept-Encoding", ["accept-encoding", "origin"]],
    ["Accept-Encoding, Accept-Language, ORIGIN", ["accept-encoding", "accept-language", "origin"]],
  ])("merges the upstream's Vary: %s", async (upstreamVary, expected) => {
    reviews.handle((_req, res) => {
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": String(large.length),
        vary: upstreamVary,
      });
      res.end(large);
    });
    for (const acceptEncoding of ["br", "identity"]) {
      const answer = await wire(`${stack.bffs.mobile.url}/reviews?productId=p1`, {
        headers: { origin: ORIGIN, "accept-encoding": acceptEncoding },
      });
      expect(answer.status).toBe(200);
      expect(oneVary(answer, `upstream ${upstreamVary}, client ${acceptEncoding}`)).toEqual(expected);
    }
  });
});
