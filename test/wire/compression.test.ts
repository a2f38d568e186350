import { describe, expect, it } from "vitest";
import { startBff } from "../support/processes.js";
import { useStack } from "../support/stack.js";
import {
  decoded,
  headerLines,
  jsonOf,
  MANY_IDS,
  PARTNER_KEY,
  PARTNER_KEYS,
  single,
  varyOf,
  type WireAnswer,
  wire,
} from "./support.js";

// Contract 2.8, compression: the coding chosen for Accept-Encoding, the
// 1,024-byte threshold, Vary, HEAD, and COMPRESSION=off.

const stack = useStack({
  bffEnv: {
    BREAKER_MIN_REQUESTS: "100000",
    // Bodies are compared across requests: no optional part may time out on a busy machine.
    UPSTREAM_TIMEOUT_MS: "3000",
    REQUEST_DEADLINE_MS: "6000",
  },
  bffs: {
    mobile: { app: "mobile-bff" },
    web: { app: "web-bff" },
    partner: { app: "partner-bff", env: { PARTNER_KEYS } },
    mobileOff: { app: "mobile-bff", env: { COMPRESSION: "off" } },
  },
});

const PAGE = "/api/product-page/p1";

/** The web product page as is (no Accept-Encoding): the reference bytes. */
async function identityPage(): Promise<WireAnswer> {
  const answer = await wire(`${stack.bffs.web.url}${PAGE}`);
  expect(answer.status).toBe(200);
  expect(answer.headers["content-encoding"]).toBeUndefined();
  expect(jsonOf(answer).degraded).toEqual({});
  return answer;
}

/** What every compressed (or large) answer carries, whatever its coding. */
function expectEncodedAs(answer: WireAnswer, coding: "br" | "gzip" | undefined, identity: Buffer): void {
  expect(single(answer, "content-encoding")).toBe(coding);
  expect(decoded(answer).equals(identity), "decoded body equals the identity body").toBe(true);
  // The length on the wire is the encoded one (or the stream is chunked).
  const length = answer.headers["content-length"];
  if (length !== undefined) expect(Number(length)).toBe(answer.body.length);
  if (coding !== undefined) expect(answer.body.length).toBeLessThan(identity.length);
  // Over 1,024 bytes with compression on: Vary: Accept-Encoding, sent as is or not, once.
  expect(varyOf(answer).filter((value) => value === "accept-encoding")).toHaveLength(1);
}

describe("the coding chosen for Accept-Encoding (a body over 1 KB)", () => {
  const cases: [string, string | undefined, "br" | "gzip" | undefined][] = [
    ["no header", undefined, undefined],
    ["identity", "identity", undefined],
    ["gzip;q=0 (the only coding listed is refused)", "gzip;q=0", undefined],
    ["* (any coding: br first)", "*", "br"],
    ["br;q=0.5, gzip (gzip has the higher q)", "br;q=0.5, gzip", "gzip"],
    ["gzip;q=0.9, br;q=0.9 (equal q: br first)", "gzip;q=0.9, br;q=0.9", "br"],
    ["gzip", "gzip", "gzip"],
    ["br", "br", "br"],
    ["a browser's gzip, deflate, br, zstd", "gzip, deflate, br, zstd", "br"],
    ["br;q=0, * (br refused, gzip by *)", "br;q=0, *", "gzip"],
    ["*;q=0 (everything refused: as is, never 406)", "*;q=0", undefined],
    ["deflate only (nothing the BFF sends)", "deflate", undefined],
    ["upper-case GZIP", "GZIP", "gzip"],
    ["spaces around ; and q", "gzip ; q=0.5 , br ; q=0.4", "gzip"],
    ["identity;q=0 with nothing else acceptable (as is, never 406)", "identity;q=0", undefined],
  ];
  it.each(cases)("%s", async (_label, acceptEncoding, coding) => {
    const identity = await identityPage();
    expect(identity.body.length).toBeGreaterThan(1024);
    const answer = await wire(`${stack.bffs.web.url}${PAGE}`, {
      headers: acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding },
    });
    expect(answer.status).toBe(200);
    expectEncodedAs(answer, coding, identity.body);
    // The tag is the content's, not the encoding's.
    expect(answer.headers.etag).toBe(identity.headers.etag);
  });

  it("is the same choice on every BFF's large answers: composites, partner lists and ops routes", async () => {
    const targets: [string, string, Record<string, string>][] = [
      ["mobile product details", `${stack.bffs.mobile.url}/productdetails/p1`, {}],
      ["mobile product details by query", `${stack.bffs.mobile.url}/productdetails?productid=p1`, {}],
      [
        "partner product list",
        `${stack.bffs.partner.url}/v1/products?ids=${MANY_IDS}`,
        { "x-api-key": PARTNER_KEY },
      ],
      ["partner OpenAPI document", `${stack.bffs.partner.url}/v1/openapi.json`, {}],
      ["web /metrics", `${stack.bffs.web.url}/metrics`, {}],
    ];
    for (const [label, url, headers] of targets) {
      const plain = await wire(url, { headers });
      expect(plain.status, label).toBe(200);
      expect(plain.body.length, `${label} is over 1 KB`).toBeGreaterThan(1024);
      expect(plain.headers["content-encoding"], label).toBeUndefined();
      expect(varyOf(plain), label).toContain("accept-encoding");
      for (const coding of ["br", "gzip"] as const) {
        const answer = await wire(url, { headers: { ...headers, "accept-encoding": `${coding}` } });
        expect(answer.status, label).toBe(200);
        expect(single(answer, "content-encoding"), `${label} ${coding}`).toBe(coding);
        expect(
          varyOf(answer).filter((value) => value === "accept-encoding"),
          label,
        ).toHaveLength(1);
        // /metrics changes between two scrapes: compare what stays (its families), not bytes.
        const text = decoded(answer).toString("utf8");
        if (label === "web /metrics") expect(text).toMatch(/^# (HELP|TYPE) /m);
        else expect(text, `${label} ${coding}`).toBe(plain.body.toString("utf8"));
      }
    }
  });
});

describe("what is never compressed", () => {
  it("leaves bodies of 1,024 bytes or fewer as they are, without Vary: Accept-Encoding", async () => {
    const small: [string, string, Record<string, string>, number][] = [
      ["/healthz", `${stack.bffs.mobile.url}/healthz`, {}, 200],
      ["/readyz", `${stack.bffs.web.url}/readyz`, {}, 200],
      ["a 400 problem", `${stack.bffs.mobile.url}/productdetails/bad%20id`, {}, 400],
      ["a 404 problem", `${stack.bffs.mobile.url}/productdetails/p404`, {}, 404],
      ["an unknown path", `${stack.bffs.web.url}/api/nothing-here`, {}, 404],
      ["a 401 problem", `${stack.bffs.partner.url}/v1/products/p1`, {}, 401],
      [
        "a small partner product",
        `${stack.bffs.partner.url}/v1/products/p1`,
        { "x-api-key": PARTNER_KEY },
        200,
      ],
    ];
    for (const [label, url, headers, status] of small) {
      const answer = await wire(url, { headers: { ...headers, "accept-encoding": "br, gzip" } });
      expect(answer.status, label).toBe(status);
      expect(answer.body.length, `${label} is small`).toBeLessThanOrEqual(1024);
      expect(answer.headers["content-encoding"], label).toBeUndefined();
      expect(varyOf(answer), label).not.toContain("accept-encoding");
      expect(() => JSON.parse(answer.body.toString("utf8")), `${label} is readable as is`).not.toThrow();
    }
  });

  it("answers HEAD with the identity length, no body, no Content-Encoding, and the GET's ETag and Vary", async () => {
    const identity = await identityPage();
    const head = await wire(`${stack.bffs.web.url}${PAGE}`, {
      method: "HEAD",
      headers: { "accept-encoding": "br, gzip" },
    });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-encoding"]).toBeUndefined();
    expect(head.headers["content-length"]).toBe(String(identity.body.length));
    expect(head.headers.etag).toBe(identity.headers.etag);
    expect(varyOf(head)).toContain("accept-encoding");
  });

  it("with COMPRESSION=off, never compresses and never varies on Accept-Encoding", async () => {
    const base = stack.bffs.mobileOff.url;
    for (const path of ["/productdetails/p1", "/metrics", "/healthz"]) {
      const plain = await wire(`${base}${path}`);
      const answer = await wire(`${base}${path}`, { headers: { "accept-encoding": "br, gzip, *" } });
      expect(answer.status, path).toBe(200);
      expect(answer.headers["content-encoding"], path).toBeUndefined();
      expect(varyOf(answer), path).not.toContain("accept-encoding");
      expect(varyOf(plain), path).not.toContain("accept-encoding");
      if (path === "/productdetails/p1") {
        expect(answer.body.length, "the page is over 1 KB").toBeGreaterThan(1024);
        expect(answer.body.equals(plain.body)).toBe(true);
        expect(answer.headers.etag).toMatch(/^W\/"/);
      }
    }
  });

  it("stops start-up with a line naming COMPRESSION for any value but on and off", async () => {
    // An empty variable is an unset one (the default, on) everywhere in the configuration.
    for (const value of ["yes", "ON", "gzip", "1"]) {
      const started = startBff("mobile-bff", { ...stack.shop.env, COMPRESSION: value });
      const failure = await started.then(
        async (bff) => {
          await bff.stop();
          return undefined;
        },
        (error: unknown) => String(error),
      );
      expect(failure, `COMPRESSION=${JSON.stringify(value)} must stop start-up`).toBeDefined();
      expect(failure).toMatch(/COMPRESSION/);
    }
  });
});

describe("compression leaves the other headers alone", () => {
  it("keeps one Content-Type, Cache-Control and ETag, and a Content-Length that matches the bytes sent", async () => {
    const answer = await wire(`${stack.bffs.mobile.url}/productdetails/p1`, {
      headers: { "accept-encoding": "gzip" },
    });
    expect(answer.status).toBe(200);
    expect(single(answer, "content-type")).toMatch(/^application\/json/);
    expect(single(answer, "cache-control")).toBe("public, max-age=0");
    expect(single(answer, "etag")).toMatch(/^W\/"[^"]+"$/);
    expect(headerLines(answer, "content-length")).toEqual([String(answer.body.length)]);
    expect(answer.headers["transfer-encoding"]).toBeUndefined();
  });
});
