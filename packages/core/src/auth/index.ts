export { authenticate, requireCustomer } from "./authenticate.js";
export { type JwtVerifierOptions, jwtVerifier, type TokenVerifier } from "./jwt-verifier.js";
