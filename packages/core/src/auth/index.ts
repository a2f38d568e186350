export { type ApiKeyEntry, ApiKeys, type RequireApiKeyOptions, requireApiKey } from "./api-keys.js";
export { authenticate, requireCustomer } from "./authenticate.js";
export { type JwtVerifierOptions, jwtVerifier, type TokenVerifier } from "./jwt-verifier.js";
