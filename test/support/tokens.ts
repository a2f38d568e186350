import { generateKeyPairSync, sign } from "node:crypto";
import type { DemoShop } from "../support/processes.js";

/** Body of the demo auth service's `POST /token` (its test aids included). */
export interface TokenRequest {
  customerId?: string;
  subject?: string;
  expiresIn?: number;
  issuer?: string;
  audience?: string;
}

/** A token minted by the demo auth service, signed with the key its JWKS serves. */
export async function demoToken(shop: DemoShop, body: TokenRequest): Promise<string> {
  const response = await fetch(`${shop.urls.auth}/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`token refused: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** The `kid` of the key the demo auth service signs with. */
export async function demoKid(shop: DemoShop): Promise<string> {
  const response = await fetch(`${shop.urls.auth}/.well-known/jwks.json`);
  const { keys } = (await response.json()) as { keys: { kid: string }[] };
  return keys[0]?.kid ?? "";
}

const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Claims a BFF would accept, were the signature good. */
export function validClaims(sub = "c1"): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: "portico-auth", aud: "portico", sub, iat: now, exp: now + 600 };
}

/** An ES256 token signed with a fresh key the JWKS does not hold (under `kid`, if given). */
export function foreignEs256Token(claims: Record<string, unknown>, kid?: string): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const input = `${segment({ alg: "ES256", typ: "JWT", ...(kid === undefined ? {} : { kid }) })}.${segment(claims)}`;
  const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${signature.toString("base64url")}`;
}

/** An unsigned token (`alg: none`). */
export function unsignedToken(claims: Record<string, unknown>): string {
  return `${segment({ alg: "none", typ: "JWT" })}.${segment(claims)}.`;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
