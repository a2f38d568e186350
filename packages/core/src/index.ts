/**
 * @portico/core: the shared gateway core of every Portico BFF.
 * One public entry; each concept lives in its own folder.
 */

export { type ApiKeyEntry, ApiKeys, type RequireApiKeyOptions, requireApiKey } from "./auth/api-keys.js";
export * from "./auth/index.js";
export * from "./cache/index.js";
export * from "./client/index.js";
export * from "./compose/index.js";
export * from "./config/index.js";
export {
  acceptRequestId,
  type CreateContextOptions,
  continueTrace,
  createRequestContext,
  type Identity,
  newRequestId,
  type PolicyContext,
  type RequestContext,
  remainingMs,
  ServerTimings,
  type TraceContext,
  traceparentOf,
  withIdentity,
  withSignal,
} from "./context.js";
export * from "./discovery/index.js";
export * from "./errors/index.js";
export { createGateway, type Gateway, type GatewayDeps } from "./gateway.js";
export * from "./http/index.js";
export * from "./messaging/index.js";
export * from "./observability/index.js";
export * from "./ratelimit/index.js";
export * from "./resilience/index.js";
export * from "./services/index.js";
