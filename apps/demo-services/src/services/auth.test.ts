import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoServices, startDemoServices } from "../start-demo-services.js";
import { errorSchema, jwksSchema, tokenSchema } from "../test-support/contract-schemas.js";
import { fetchJson, postJson } from "../test-support/http.js";

let demo: DemoServices;
let jwks: ReturnType<typeof createRemoteJWKSet>;

beforeAll(async () => {
  demo = await startDemoServices({ services: ["auth"] });
  jwks = createRemoteJWKSet(new URL(`${demo.url("auth")}/.well-known/jwks.json`));
});

afterAll(async () => {
  await demo.close();
});

async function mint(body: unknown): Promise<string> {
  const res = await postJson(`${demo.url("auth")}/token`, body);
  expect(res.status).toBe(200);
  return tokenSchema.parse(res.body).access_token;
}

describe("auth", () => {
  it("serves one ES256 signing key", async () => {
    const res = await fetchJson(`${demo.url("auth")}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    jwksSchema.parse(res.body);
  });

  it("mints a one-hour bearer token for a customer", async () => {
    const res = await postJson(`${demo.url("auth")}/token`, { customerId: "c1" });
    expect(res.status).toBe(200);
    const token = tokenSchema.parse(res.body);
    expect(token.token_type).toBe("Bearer");
    expect(token.expires_in).toBe(3600);
  });

  it("signs tokens that verify against the served JWKS", async () => {
    const token = await mint({ customerId: "c2" });
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: "portico-auth",
      audience: "portico",
    });
    const jwksBody = jwksSchema.parse((await fetchJson(`${demo.url("auth")}/.well-known/jwks.json`)).body);
    expect(protectedHeader).toEqual({ alg: "ES256", kid: jwksBody.keys[0]!.kid });
    expect(payload.sub).toBe("c2");
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);
  });

  it("mints an already expired token when asked to", async () => {
    const token = await mint({ customerId: "c1", expiresIn: -60 });
    await expect(
      jwtVerify(token, jwks, { issuer: "portico-auth", audience: "portico" }),
    ).rejects.toBeInstanceOf(errors.JWTExpired);
  });

  it("mints tokens with another issuer, audience or a raw subject as test aids", async () => {
    const wrongAudience = await mint({ customerId: "c1", audience: "someone-else" });
    await expect(jwtVerify(wrongAudience, jwks, { audience: "portico" })).rejects.toBeInstanceOf(
      errors.JWTClaimValidationFailed,
    );
    const odd = await mint({ subject: "../../etc/passwd" });
    const { payload } = await jwtVerify(odd, jwks, { issuer: "portico-auth", audience: "portico" });
    expect(payload.sub).toBe("../../etc/passwd");
    expect(decodeProtectedHeader(odd).alg).toBe("ES256");
  });

  it("answers 404 for an unknown customer", async () => {
    const res = await postJson(`${demo.url("auth")}/token`, { customerId: "c99" });
    expect(res.status).toBe(404);
    expect(errorSchema.parse(res.body).error).toBe("not_found");
  });

  it.each([
    ["no customer", {}],
    ["a bad customer id", { customerId: "c 1" }],
    ["both customerId and subject", { customerId: "c1", subject: "x" }],
    ["a non-integer expiresIn", { customerId: "c1", expiresIn: "soon" }],
    ["an unknown field", { customerId: "c1", admin: true }],
  ])("answers 400 for %s", async (_name, body) => {
    const res = await postJson(`${demo.url("auth")}/token`, body);
    expect(res.status).toBe(400);
    errorSchema.parse(res.body);
  });

  it("answers 400 for a body that is not JSON", async () => {
    const res = await fetchJson(`${demo.url("auth")}/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    errorSchema.parse(res.body);
  });

  it("uses the configured issuer and audience", async () => {
    const other = await startDemoServices({
      services: ["auth"],
      auth: { issuer: "iss-x", audience: "aud-y" },
    });
    try {
      const res = await postJson(`${other.url("auth")}/token`, { customerId: "c3" });
      const token = tokenSchema.parse(res.body).access_token;
      const keys = createRemoteJWKSet(new URL(`${other.url("auth")}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(token, keys, { issuer: "iss-x", audience: "aud-y" });
      expect(payload.sub).toBe("c3");
      // A fresh start has a fresh key: the first instance's JWKS must not verify it.
      await expect(jwtVerify(token, jwks)).rejects.toThrow();
    } finally {
      await other.close();
    }
  });
});
