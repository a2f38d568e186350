import { rawGet, rawRequest } from "@portico/test-support";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { clearRecordedRequests } from "../support/processes.js";
import {
  BFFS,
  type BffName,
  expectCleanUpstreams,
  expectContractAnswer,
  PARTNER_KEY,
  portOf,
  SPA_ORIGIN,
  useHardeningStack,
} from "./support.js";

const stack = useHardeningStack();

afterEach(async () => {
  // Whatever was sent, only validated requests reached the services, and every BFF is still up.
  await expectCleanUpstreams(stack.shop);
  await clearRecordedRequests(stack.shop);
  for (const bff of BFFS) {
    const { child, output } = stack.bffs[bff];
    expect(child.exitCode, `${bff} exited:\n${output().slice(-3_000)}`).toBeNull();
    expect((await fetch(`${stack.bffs[bff].url}/healthz`)).status).toBe(200);
  }
});

const RUNS = { numRuns: 120 };
const VALID_ID = /^[A-Za-z0-9_-]{1,64}$/;
const KNOWN = new Set(Array.from({ length: 24 }, (_, i) => `p${i + 1}`));

/** Ids as an attacker would try them: any unicode, traversal pieces, encodings, near-valid ones. */
const hostileId = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 80 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/),
  fc.constantFrom("p1", "p24", "p25", "c1", ".", "..", "%2e%2e", "p1/../p2", "p1\\..", "p1\u0000", "p\u00e9"),
  fc
    .array(
      fc.constantFrom("..", "/", "\\", "%", "2e", "2f", "%25", "?", "#", "&", "=", ";", "\r\n", "\0", "p1"),
      {
        minLength: 1,
        maxLength: 8,
      },
    )
    .map((parts) => parts.join("")),
);

/** How an id goes into a request target: encoded as a segment (a correct client) or as raw bytes. */
const spelling = fc.constantFrom("encoded", "raw", "double-encoded");

function spell(id: string, how: string): string {
  if (how === "encoded") return encodeURIComponent(id);
  if (how === "double-encoded") return encodeURIComponent(encodeURIComponent(id));
  // Raw: what a hostile client can put on the wire (the server refuses bytes HTTP does not allow).
  return Buffer.from(id, "utf8").toString("latin1");
}

/**
 * The status a correctly encoded id must get: 400 for an invalid id; else
 * what the service says (a composite's product), or for the pass-through
 * the reviews service's own answer relayed, its 5xx as 502 (contract 2.2).
 */
async function expectedStatus(id: string, relayed: boolean): Promise<number> {
  if (!VALID_ID.test(id)) return 400;
  if (!relayed) return KNOWN.has(id) ? 200 : 404;
  const upstream = await fetch(`${stack.shop.urls.reviews}/reviews?productId=${id}&limit=3`);
  await upstream.arrayBuffer();
  return upstream.status >= 500 ? 502 : upstream.status;
}

const ROUTES: readonly {
  bff: BffName;
  target: (segment: string) => string;
  headers: Record<string, string>;
}[] = [
  { bff: "mobile-bff", target: (s) => `/productdetails/${s}`, headers: {} },
  { bff: "mobile-bff", target: (s) => `/productdetails?productid=${s}`, headers: {} },
  { bff: "web-bff", target: (s) => `/api/product-page/${s}`, headers: {} },
  { bff: "partner-bff", target: (s) => `/v1/products/${s}`, headers: { "X-API-Key": PARTNER_KEY } },
  { bff: "mobile-bff", target: (s) => `/reviews?productId=${s}&limit=3`, headers: {} },
];

describe("random ids (property)", () => {
  for (const route of ROUTES) {
    it(`${route.bff} ${route.target("{id}")}: 2xx/4xx in the contract, with a problem body for errors`, async () => {
      const port = portOf(stack.bffs[route.bff]);
      await fc.assert(
        fc.asyncProperty(hostileId, spelling, async (id, how) => {
          const answer = await rawGet(port, route.target(spell(id, how)), route.headers);
          const relayed = route.target("").startsWith("/reviews");
          // Raw CR/LF in the target ends the request line early: what follows is another
          // request (or none), so a keyed route may rightly answer 401 for lack of a key.
          expectContractAnswer(
            answer,
            [200, 400, 404, ...(relayed ? [502] : []), ...(how === "raw" ? [401] : [])],
            `${how} ${JSON.stringify(id)}`,
            {
              relayed,
            },
          );
          if (how === "encoded")
            expect(answer.status, JSON.stringify(id)).toBe(await expectedStatus(id, relayed));
          if (answer.status === 200 && !relayed)
            expect(JSON.parse(answer.body)).toMatchObject({ degraded: {} });
        }),
        RUNS,
      );
    });
  }

  it("partner-bff /v1/products?ids=: every id checked, at most 50", async () => {
    const port = portOf(stack.bffs["partner-bff"]);
    await fc.assert(
      fc.asyncProperty(fc.array(hostileId, { minLength: 0, maxLength: 60 }), spelling, async (ids, how) => {
        const answer = await rawGet(port, `/v1/products?ids=${ids.map((id) => spell(id, how)).join(",")}`, {
          "X-API-Key": PARTNER_KEY,
        });
        expectContractAnswer(
          answer,
          how === "raw" ? [200, 400, 401] : [200, 400],
          `${how} ${JSON.stringify(ids)}`,
        );
        const acceptable = ids.length >= 1 && ids.length <= 50 && ids.every((id) => VALID_ID.test(id));
        if (how === "encoded" && !acceptable) expect(answer.status).toBe(400);
      }),
      { numRuns: 80 },
    );
  });
});

describe("random paths and methods (property)", () => {
  it("never crash a BFF, never redirect, and answer unknown paths 404 and unserved methods 405", async () => {
    const segment = fc.oneof(
      fc.string({ unit: "grapheme-ascii", maxLength: 12 }),
      fc.constantFrom(
        "..",
        ".",
        "%2e%2e",
        "%2f",
        "%00",
        "\\",
        "productdetails",
        "api",
        "v1",
        "products",
        "p1",
        "healthz",
      ),
    );
    const path = fc.array(segment, { minLength: 0, maxLength: 5 }).map((parts) => `/${parts.join("/")}`);
    const method = fc.constantFrom(
      "GET",
      "HEAD",
      "POST",
      "PUT",
      "DELETE",
      "PATCH",
      "OPTIONS",
      "TRACE",
      "FOO",
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BFFS), method, path, async (bff, verb, target) => {
        const port = portOf(stack.bffs[bff]);
        const answer = await rawRequest(
          port,
          `${verb} ${target} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${PARTNER_KEY}\r\nConnection: close\r\n\r\n`,
        );
        // A HEAD answer has headers but no body to check.
        if (verb === "HEAD") {
          expect([200, 400, 404, 405]).toContain(answer.status);
          expect(answer.headers["x-content-type-options"]).toBe("nosniff");
          return;
        }
        expectContractAnswer(answer, [200, 400, 401, 404, 405], `${bff} ${verb} ${JSON.stringify(target)}`);
        if (answer.status === 405) expect(answer.headers.allow).toMatch(/^[A-Z]+(, [A-Z]+)*$/);
      }),
      { numRuns: 300 },
    );
  });
});

describe("random header values (property)", () => {
  it("X-Request-Id, traceparent, Authorization, X-API-Key, Origin and Accept never crash anything", async () => {
    // Any byte a header value may legally hold (visible ASCII, space, tab, obs-text).
    const headerValue = fc.oneof(
      fc.string({
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
        maxLength: 200,
      }),
      fc.string({
        unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
        maxLength: 20,
      }),
      fc.constantFrom(
        "Bearer ",
        "Bearer a.b.c",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJjMSJ9.",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-00000000000000000000000000000000-0000000000000000-01",
        SPA_ORIGIN,
        "null",
        "*/*",
      ),
    );
    const name = fc.constantFrom(
      "X-Request-Id",
      "traceparent",
      "Authorization",
      "X-API-Key",
      "Origin",
      "Accept",
    );
    const target: Record<BffName, string> = {
      "mobile-bff": "/productdetails/p1",
      "web-bff": "/api/product-page/p2",
      "partner-bff": "/v1/products/p3",
    };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BFFS), name, headerValue, async (bff, header, value) => {
        const headers: Record<string, string> = { [header]: value };
        if (bff === "partner-bff" && header !== "X-API-Key") headers["X-API-Key"] = PARTNER_KEY;
        const answer = await rawGet(portOf(stack.bffs[bff]), target[bff], headers);
        expectContractAnswer(answer, [200, 400, 401], `${bff} ${header}: ${JSON.stringify(value)}`);
        if (header === "Origin") {
          const allowed = bff === "web-bff" && value.trim() === SPA_ORIGIN;
          expect(answer.headers["access-control-allow-origin"]).toBe(allowed ? SPA_ORIGIN : undefined);
        }
        if (header === "X-Request-Id" && /^[A-Za-z0-9._-]{1,128}$/.test(value.trim())) {
          expect(answer.headers["x-request-id"]).toBe(value.trim());
        }
      }),
      { numRuns: 300 },
    );
  });
});
