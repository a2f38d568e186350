import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

/** A public key as served in the JWKS. */
export interface PublicJwk extends JWK {
  kty: string;
  kid: string;
  alg: "ES256";
  use: "sig";
}

export interface TokenClaims {
  readonly subject: string;
  readonly issuer: string;
  readonly audience: string;
  /** Lifetime in seconds; negative mints a token that is already expired. */
  readonly expiresIn: number;
}

/** The auth service's signing key, made fresh at every start. */
export interface AuthKeys {
  readonly jwks: { readonly keys: readonly PublicJwk[] };
  sign(claims: TokenClaims): Promise<string>;
}

/** Generates an ES256 key pair; its `kid` is the RFC 7638 thumbprint. */
export async function createAuthKeys(): Promise<AuthKeys> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported);
  const jwk: PublicJwk = { ...exported, kty: exported.kty ?? "EC", kid, alg: "ES256", use: "sig" };
  return {
    jwks: { keys: [jwk] },
    async sign({ subject, issuer, audience, expiresIn }) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: "ES256", kid })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(subject)
        .setIssuedAt(now)
        .setExpirationTime(now + expiresIn)
        .sign(privateKey);
    },
  };
}
