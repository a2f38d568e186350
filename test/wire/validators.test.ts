import { describe, expect, it } from "vitest";
import { useStack } from "../support/stack.js";
import { bearer, demoToken } from "../support/tokens.js";
import {
  decoded,
  MANY_IDS,
  PARTNER_KEY,
  PARTNER_KEYS,
  single,
  varyOf,
  type WireAnswer,
  wire,
} from "./support.js";

// Contract 2.8, validators: every 200 of a composite GET carries a weak
// ETag of its body before compression; a matching If-None-Match is a 304
// with no body and the answer's ETag, Cache-Control, Vary, X-Request-Id
// and Server-Timing.

const stack = useStack({
  bffEnv: {
    BREAKER_MIN_REQUESTS: "100000",
    // Tags are compared across requests: no optional part may time out on a busy machine.
    UPSTREAM_TIMEOUT_MS: "3000",
    REQUEST_DEADLINE_MS: "6000",
    PARTNER_KEYS,
  },
  bffs: {
    mobile: { app: "mobile-bff" },
    // A second instance: the tag is the content's, not the instance's.
    mobileTwin: { app: "mobile-bff" },
    web: { app: "web-bff" },
    partner: { app: "partner-bff" },
  },
});

type Bff = "mobile" | "mobileTwin" | "web" | "partner";

interface Target {
  readonly label: string;
  readonly bff: Bff;
  readonly path: string;
  /** Credentials, minted per test (tokens come from the running shop). */
  readonly auth: () => Promise<Record<string, string>>;
  /** The services the Server-Timing must name (at least). */
  readonly services: readonly string[];
  readonly cacheControl: string;
}

const anonymous = async () => ({});
const customer = (id: string) => async () => bearer(await demoToken(stack.shop, { customerId: id }));
const apiKey = async () => ({ "x-api-key": PARTNER_KEY });

const TARGETS: readonly Target[] = [
  {
    label: "mobile product details (anonymous)",
    bff: "mobile",
    path: "/productdetails/p1",
    auth: anonymous,
    services: ["catalog", "pricing", "reviews"],
    cacheControl: "public, max-age=0",
  },
  {
    label: "mobile product details (signed in)",
    bff: "mobile",
    path: "/productdetails/p1",
    auth: customer("c1"),
    services: ["catalog", "cart", "orders"],
    cacheControl: "private, no-cache",
  },
  {
    label: "web product page (anonymous)",
    bff: "web",
    path: "/api/product-page/p1",
    auth: anonymous,
    services: ["catalog", "pricing", "recommendations"],
    cacheControl: "public, max-age=0",
  },
  {
    label: "web wishlist (signed in)",
    bff: "web",
    path: "/api/wishlist",
    auth: customer("c1"),
    services: ["customers", "catalog"],
    cacheControl: "private, no-cache",
  },
  {
    label: "partner product (API key)",
    bff: "partner",
    path: "/v1/products/p1",
    auth: apiKey,
    services: ["catalog", "pricing", "inventory"],
    cacheControl: "private, no-cache",
  },
  {
    label: "partner product list (API key)",
    bff: "partner",
    path: `/v1/products?ids=${MANY_IDS}`,
    auth: apiKey,
    services: ["catalog", "pricing", "inventory"],
    cacheControl: "private, no-cache",
  },
];

const urlOf = (target: Target) => `${stack.bffs[target.bff].url}${target.path}`;

/** The answer's weak tag, the same for identity, br and gzip; returns the identity answer. */
async function taggedAnswer(target: Target, auth: Record<string, string>): Promise<WireAnswer> {
  const plain = await wire(urlOf(target), { headers: auth });
  expect(plain.status, target.label).toBe(200);
  expect((JSON.parse(plain.body.toString("utf8")) as { degraded: unknown }).degraded).toEqual({});
  const etag = single(plain, "etag");
  expect(etag, `${target.label}: a weak ETag`).toMatch(/^W\/"[!#-~]+"$/);
  for (const coding of ["br", "gzip"]) {
    const encoded = await wire(urlOf(target), { headers: { ...auth, "accept-encoding": coding } });
    expect(encoded.status).toBe(200);
    expect(single(encoded, "etag"), `${target.label}: the same tag with ${coding}`).toBe(etag);
    expect(decoded(encoded).equals(plain.body), `${target.label}: the same content with ${coding}`).toBe(
      true,
    );
  }
  return plain;
}

/** A 304 as the contract has it: no body, and the 200's validators and directives. */
function expect304(answer: WireAnswer, fresh: WireAnswer, target: Target, what: string): void {
  const label = `${target.label}, If-None-Match ${what}`;
  expect(answer.status, label).toBe(304);
  expect(answer.body.length, `${label}: no body`).toBe(0);
  expect(answer.headers["content-encoding"], label).toBeUndefined();
  expect(single(answer, "etag"), `${label}: ETag`).toBe(fresh.headers.etag);
  expect(single(answer, "cache-control"), `${label}: Cache-Control`).toBe(target.cacheControl);
  expect(varyOf(answer), `${label}: Vary`).toEqual(varyOf(fresh));
  expect(answer.headers["x-request-id"], `${label}: X-Request-Id`).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
  const timing = answer.headers["server-timing"] ?? "";
  for (const service of target.services)
    expect(timing, `${label}: Server-Timing`).toMatch(new RegExp(`\\b${service};dur=`));
}

describe.each(TARGETS)("conditional GET of $label", (target) => {
  it("has a weak ETag, the same whatever the encoding", async () => {
    const plain = await taggedAnswer(target, await target.auth());
    expect(single(plain, "cache-control")).toBe(target.cacheControl);
  });

  it("answers 304 to a matching If-None-Match: the tag, a list holding it, *, its strong form", async () => {
    const auth = await target.auth();
    const fresh = await taggedAnswer(target, auth);
    const etag = fresh.headers.etag as string;
    const strong = etag.slice(2);
    const variants: [string, string][] = [
      ["the tag", etag],
      ["a list holding it", `W/"not-this-one", ${etag}, "nor-this"`],
      ["a list without spaces", `"a",${etag}`],
      ["*", "*"],
      ["the strong form (weak comparison)", strong],
      ["the strong form in a list", `W/"x", ${strong}`],
    ];
    for (const [what, ifNoneMatch] of variants) {
      const answer = await wire(urlOf(target), { headers: { ...auth, "if-none-match": ifNoneMatch } });
      expect304(answer, fresh, target, what);
    }
  });

  it("answers 304 with the encoded answer's Vary, and echoes the caller's request id", async () => {
    const auth = await target.auth();
    const fresh = await wire(urlOf(target), { headers: { ...auth, "accept-encoding": "br" } });
    expect(fresh.status).toBe(200);
    const answer = await wire(urlOf(target), {
      headers: {
        ...auth,
        "accept-encoding": "br",
        "if-none-match": fresh.headers.etag as string,
        "x-request-id": "wire-conditional-1",
      },
    });
    expect304(answer, fresh, target, "with br");
    expect(answer.headers["x-request-id"]).toBe("wire-conditional-1");
    if (fresh.body.length > 0 && fresh.headers["content-encoding"] !== undefined)
      expect(varyOf(answer)).toContain("accept-encoding");
  });

  it("answers 200 with the body to a tag that does not match", async () => {
    const auth = await target.auth();
    const fresh = await taggedAnswer(target, auth);
    for (const ifNoneMatch of ['W/"something-else"', '"something-else"', `${fresh.headers.etag}x`]) {
      const answer = await wire(urlOf(target), { headers: { ...auth, "if-none-match": ifNoneMatch } });
      expect(answer.status, `If-None-Match ${ifNoneMatch}`).toBe(200);
      expect(answer.body.equals(fresh.body)).toBe(true);
      expect(answer.headers.etag).toBe(fresh.headers.etag);
    }
  });
});

describe("the tag is the content's", () => {
  it("is the same on two instances and differs with the content", async () => {
    const one = await wire(`${stack.bffs.mobile.url}/productdetails/p1`);
    const twin = await wire(`${stack.bffs.mobileTwin.url}/productdetails/p1`, {
      headers: { "accept-encoding": "gzip" },
    });
    const other = await wire(`${stack.bffs.mobile.url}/productdetails/p2`);
    expect(one.headers.etag).toMatch(/^W\//);
    expect(twin.headers.etag).toBe(one.headers.etag);
    expect(other.headers.etag).toMatch(/^W\//);
    expect(other.headers.etag).not.toBe(one.headers.etag);
    // A tag from one instance validates on the other.
    const conditional = await wire(`${stack.bffs.mobileTwin.url}/productdetails/p1`, {
      headers: { "if-none-match": one.headers.etag as string },
    });
    expect(conditional.status).toBe(304);
    // The signed-in page is another content: another tag, and the anonymous tag does not validate it.
    const token = bearer(await demoToken(stack.shop, { customerId: "c1" }));
    const signedIn = await wire(`${stack.bffs.mobile.url}/productdetails/p1`, {
      headers: { ...token, "if-none-match": one.headers.etag as string },
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.etag).not.toBe(one.headers.etag);
  });

  it("no longer matches once the content changed: a signed-in page after a cart write is a 200", async () => {
    const auth = bearer(await demoToken(stack.shop, { customerId: "c2" }));
    const page = `${stack.bffs.web.url}/api/product-page/p2`;
    const before = await wire(page, { headers: auth });
    expect(before.status).toBe(200);
    const put = await wire(`${stack.bffs.web.url}/api/cart/items/p2`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ quantity: 7 }),
    });
    expect(put.status).toBe(200);
    const after = await wire(page, { headers: { ...auth, "if-none-match": before.headers.etag as string } });
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const again = await wire(page, { headers: { ...auth, "if-none-match": after.headers.etag as string } });
    expect(again.status).toBe(304);
  });

  it("answers HEAD with a matching If-None-Match 304, and HEAD carries the GET's tag", async () => {
    const url = `${stack.bffs.web.url}/api/product-page/p1`;
    const get = await wire(url);
    const head = await wire(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBe(get.headers.etag);
    const conditional = await wire(url, {
      method: "HEAD",
      headers: { "if-none-match": get.headers.etag as string },
    });
    expect(conditional.status).toBe(304);
    expect(conditional.headers.etag).toBe(get.headers.etag);
  });

  it("never turns a problem into a 304, even for If-None-Match: *", async () => {
    for (const url of [
      `${stack.bffs.mobile.url}/productdetails/p404`,
      `${stack.bffs.web.url}/api/product-page/bad%20id`,
      `${stack.bffs.partner.url}/v1/products/p1`,
    ]) {
      const answer = await wire(url, { headers: { "if-none-match": "*" } });
      expect([400, 401, 404], url).toContain(answer.status);
      expect(answer.headers.etag, url).toBeUndefined();
      expect(answer.headers["cache-control"], url).toBe("no-store");
    }
  });
});
