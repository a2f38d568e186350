import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from "jose";
import type { Identity } from "../context.js";
import { UnauthorizedError, UpstreamConnectionError, UpstreamTimeoutError } from "../errors/index.js";

export interface JwtVerifierOptions {
  /** Where the auth service serves its keys (`AUTH_JWKS_URL`). */
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Limit on one JWKS fetch. Default 2000 ms. */
  timeoutMs?: number;
  /** Least time between two refreshes on an unknown `kid`. Default 30 s. */
  cooldownMs?: number;
}

/** Turns a bearer token into the caller's identity, or throws 401 (or 502/504 when keys can't be had). */
export type TokenVerifier = (token: string) => Promise<Identity>;

const CUSTOMER_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Asymmetric algorithms only: `none` and shared-secret HMACs are refused. */
const ALGORITHMS = ["ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"];

/**
 * Verifies JWTs against the auth service's JWKS with jose: signature,
 * `exp`/`nbf`, `iss` and `aud`. Keys are fetched once, cached, and fetched
 * again when a token names a `kid` not yet seen (rate-limited by the cooldown).
 */
export function jwtVerifier({
  jwksUrl,
  issuer,
  audience,
  timeoutMs = 2_000,
  cooldownMs = 30_000,
}: JwtVerifierOptions): TokenVerifier {
  const keys = createRemoteJWKSet(new URL(jwksUrl), {
    timeoutDuration: timeoutMs,
    cooldownDuration: cooldownMs,
  });
  return async function verify(token: string): Promise<Identity> {
    let subject: string | undefined;
    try {
      const { payload } = await jwtVerify(token, keys, { issuer, audience, algorithms: ALGORITHMS });
      subject = payload.sub;
    } catch (error) {
      if (error instanceof joseErrors.JWKSTimeout) throw new UpstreamTimeoutError("auth", timeoutMs);
      if (error instanceof joseErrors.JOSEError) throw new UnauthorizedError(reasonOf(error));
      // Not a verdict on the token: the keys could not be fetched.
      throw new UpstreamConnectionError("auth", false, error);
    }
    if (subject === undefined || !CUSTOMER_ID.test(subject)) {
      throw new UnauthorizedError("The token's subject is not a valid customer id");
    }
    return { customerId: subject };
  };
}

function reasonOf(error: InstanceType<typeof joseErrors.JOSEError>): string {
  if (error instanceof joseErrors.JWTExpired) return "The token has expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `The token's ${error.claim} claim is not accepted`;
  return "The token is not valid";
}
