import {
  ApiKeys,
  createGatewayApp,
  DegradingRateLimiter,
  type Gateway,
  MemoryRateLimiter,
  mountRoutes,
  type RateLimiter,
  RedisRateLimiter,
  type RouteMethods,
  rateLimit,
  requireApiKey,
} from "@portico/core";
import type { Express, RequestHandler } from "express";
import { expressPath, OPERATIONS, type OperationId } from "./api/operations.js";
import type { PartnerConfig, PartnerKey } from "./config.js";
import { openApiDocumentRoute } from "./routes/openapi-document.js";
import { productRoute } from "./routes/product.js";
import { productsRoute } from "./routes/products.js";

export const DEFAULT_PORT = 8083;

export { buildOpenApiDocument } from "./api/openapi.js";
export type { PartnerConfig, PartnerKey } from "./config.js";

export interface PartnerAppDeps {
  /**
   * Counts requests per partner. Default: in Redis when `REDIS_URL` is set
   * (one quota for every instance), else in memory; windows of `config.rateWindowMs`.
   */
  limiter?: RateLimiter;
}

/**
 * The partner API (contract 2.4); no port, so tests can drive it directly.
 * Routes are mounted from the same operation list the OpenAPI document is
 * built from; keyed ones check the API key, then the key's quota.
 */
export function createApp(gateway: Gateway, config: PartnerConfig, deps: PartnerAppDeps = {}): Express {
  const { app, finish } = createGatewayApp({
    requestDeadlineMs: config.requestDeadlineMs,
    edge: config,
    gateway,
  });
  const keys = new ApiKeys<PartnerKey>(config.partnerKeys);
  const quotas = new Map(config.partnerKeys.map(({ name, ratePerMinute }) => [name, ratePerMinute]));
  const limiter = deps.limiter ?? partnerLimiter(gateway, config);
  const keyed: RequestHandler[] = [
    requireApiKey(keys),
    rateLimit({
      limiter,
      // Partner names are unique (PARTNER_KEYS is checked at start-up): one quota per key.
      quotaOf: ({ identity }) => {
        const partner = identity?.partner;
        const limit = partner === undefined ? undefined : quotas.get(partner);
        return partner === undefined || limit === undefined
          ? undefined
          : { key: `partner:${partner}`, limit };
      },
    }),
  ];

  const handlers: Record<OperationId, RequestHandler> = {
    getProduct: productRoute(gateway),
    listProducts: productsRoute(gateway),
    getOpenApiDocument: openApiDocumentRoute(),
  };
  const table: Record<string, RouteMethods> = {};
  for (const [id, operation] of Object.entries(OPERATIONS) as [
    OperationId,
    (typeof OPERATIONS)[OperationId],
  ][]) {
    const path = expressPath(operation.path);
    table[path] = {
      ...table[path],
      [operation.method]: operation.keyed ? [...keyed, handlers[id]] : handlers[id],
    };
  }
  mountRoutes(app, table);
  return finish();
}

/**
 * With `REDIS_URL`, every partner-bff instance counts against one quota in
 * Redis. Redis down: fail open to counting per instance (each still holds
 * a key to its quota; N instances admit up to N × the quota) until it is back.
 */
function partnerLimiter(gateway: Gateway, config: PartnerConfig): RateLimiter {
  const local = new MemoryRateLimiter({ windowMs: config.rateWindowMs });
  if (gateway.redis === undefined) return local;
  return new DegradingRateLimiter({
    primary: new RedisRateLimiter({
      client: gateway.redis,
      windowMs: config.rateWindowMs,
      keyPrefix: `${config.redisKeyPrefix}ratelimit:`,
    }),
    fallback: local,
    // Not connected (yet, or any more): count locally at no cost, Redis again the moment it is back.
    available: () => gateway.redis?.status === "ready",
    onError: (error) =>
      gateway.observability.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "redis rate limiter failed: counting per instance for 5 s",
      ),
  });
}
