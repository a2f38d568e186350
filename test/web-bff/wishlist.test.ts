import { seed } from "@portico/demo-services";
import { beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../support/problem.js";
import { injectFault, recordedRequests } from "../support/processes.js";
import { useStack } from "../support/stack.js";
import {
  bearer,
  demoKid,
  demoToken,
  foreignEs256Token,
  unsignedToken,
  validClaims,
} from "../support/tokens.js";
import { expectedWishlist, type WishlistBody } from "./expected.js";

const stack = useStack({ app: "web-bff", bffEnv: { BREAKER_MIN_REQUESTS: "1000" }, clearFaults: true });
let c1Token: string;

beforeAll(async () => {
  c1Token = await demoToken(stack.shop, { customerId: "c1" });
});

let requestSeq = 0;
const uniqueRequestId = (label: string) => `wish-${label}-${Date.now()}-${requestSeq++}`;

function wishlist(headers: Record<string, string> = {}) {
  return fetch(`${stack.bff.url}/api/wishlist`, { headers });
}

async function callsOf(requestId: string) {
  return (await recordedRequests(stack.shop)).filter((r) => r.requestId === requestId);
}

describe("GET /api/wishlist on web-bff", () => {
  it("answers c1's wishlist with names, images and prices from one batched catalog and pricing call", async () => {
    const requestId = uniqueRequestId("c1");
    const response = await wishlist({ ...bearer(c1Token), "x-request-id": requestId });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await response.json()) as WishlistBody;
    expect(body).toEqual({ items: expectedWishlist("c1"), degraded: {} });
    expect(body.items.length).toBeGreaterThan(0);

    const ids = seed.customers.find((c) => c.id === "c1")?.wishlist;
    const calls = await callsOf(requestId);
    expect(calls.map((c) => `${c.service} ${c.path}`)).toEqual(
      expect.arrayContaining(["customers /customers/c1", "catalog /products", "pricing /prices"]),
    );
    expect(calls).toHaveLength(3);
    expect(calls[0]?.service).toBe("customers");
    for (const call of calls.slice(1)) {
      expect(new URLSearchParams(call.query).get("ids")?.split(",")).toEqual(ids);
    }
    const timing = response.headers.get("server-timing") ?? "";
    for (const service of ["customers", "catalog", "pricing"]) expect(timing).toContain(`${service};dur=`);
  });

  it("answers prices null with degraded prices=empty when pricing fails", async () => {
    await injectFault(stack.shop, "pricing", { mode: "error", status: 500 });
    const body = await (await wishlist(bearer(c1Token))).json();
    expect(body).toEqual({ items: expectedWishlist("c1", false), degraded: { prices: "empty" } });
  });

  it("answers 502 problem+json when the customers service fails", async () => {
    await injectFault(stack.shop, "customers", { mode: "error", status: 500 });
    await expectProblem(await wishlist(bearer(c1Token)), 502, "/api/wishlist");
  });

  it("answers 502 problem+json when the catalog batch fails, and 504 when it times out", async () => {
    await injectFault(stack.shop, "catalog", { mode: "error", status: 500 });
    await expectProblem(await wishlist(bearer(c1Token)), 502, "/api/wishlist");
    await injectFault(stack.shop, "catalog", { mode: "delay", ms: 5_000 });
    await expectProblem(await wishlist(bearer(c1Token)), 504, "/api/wishlist");
  });

  it("makes no catalog or pricing call for an empty wishlist", async () => {
    // A well-formed customer answer with nothing on the wishlist.
    await injectFault(stack.shop, "customers", {
      mode: "wrong-shape",
      body: { id: "c1", name: "Ada Lovelace", email: "ada@example.com", wishlist: [] },
    });
    const requestId = uniqueRequestId("empty");
    const response = await wishlist({ ...bearer(c1Token), "x-request-id": requestId });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [], degraded: {} });
    expect((await callsOf(requestId)).map((c) => c.service)).toEqual(["customers"]);
  });

  it("answers 404 problem+json for a valid token whose customer does not exist", async () => {
    const token = await demoToken(stack.shop, { subject: "c404" });
    await expectProblem(await wishlist(bearer(token)), 404, "/api/wishlist");
  });
});

describe("signing in to web-bff", () => {
  it("answers 401 problem+json to an anonymous caller, before any upstream call", async () => {
    const requestId = uniqueRequestId("anon");
    const body = await expectProblem(await wishlist({ "x-request-id": requestId }), 401, "/api/wishlist");
    expect(body.requestId).toBe(requestId);
    expect(await callsOf(requestId)).toEqual([]);
  });

  it("answers 401 to an expired token", async () => {
    const token = await demoToken(stack.shop, { customerId: "c1", expiresIn: -60 });
    await expectProblem(await wishlist(bearer(token)), 401, "/api/wishlist");
  });

  it("answers 401 to an unsigned token (alg none)", async () => {
    await expectProblem(await wishlist(bearer(unsignedToken(validClaims()))), 401, "/api/wishlist");
  });

  it("answers 401 to a token from the auth service's key for another audience or issuer", async () => {
    const otherAudience = await demoToken(stack.shop, { customerId: "c1", audience: "someone-else" });
    await expectProblem(await wishlist(bearer(otherAudience)), 401);
    const otherIssuer = await demoToken(stack.shop, { customerId: "c1", issuer: "https://evil.example" });
    await expectProblem(await wishlist(bearer(otherIssuer)), 401);
  });

  it("answers 401 to an ES256 token signed with a key the JWKS does not hold", async () => {
    // Named with the real key's kid, so the signature itself is what fails...
    const kid = await demoKid(stack.shop);
    await expectProblem(await wishlist(bearer(foreignEs256Token(validClaims(), kid))), 401);
    // ...and with no kid at all.
    await expectProblem(await wishlist(bearer(foreignEs256Token(validClaims()))), 401);
  });

  it("answers 401 to a token whose subject is not a valid customer id", async () => {
    const token = await demoToken(stack.shop, { subject: "../c1" });
    await expectProblem(await wishlist(bearer(token)), 401);
  });

  it("answers 401 to a malformed Authorization header", async () => {
    await expectProblem(await wishlist({ authorization: "Bearer" }), 401);
    await expectProblem(await wishlist({ authorization: `Token ${c1Token}` }), 401);
  });
});
