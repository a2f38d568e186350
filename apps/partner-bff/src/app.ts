import type { RequestListener } from "node:http";
import {
  ApiKeys,
  createGatewayApp,
  DegradingRateLimiter,
  type Gateway,
  MemoryRateLimiter,
  type RateLimiter,
  RedisRateLimiter,
  type RouteMethods,
  rateLimit,
  requireApiKey,
  type Step,
} from "@portico/core";
import { OPERATIONS, type OperationId, routeTemplate } from "./api/operations.js";
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
 * The partner API (contract 2.4) as the server's request listener; no port,
 * so tests can drive it directly. Routes are declared from the same
 * operation list the OpenAPI document is built from; keyed ones check the
 * API key, then the key's quota, then answer.
 */
export function createApp(
  gateway: Gateway,
  config: PartnerConfig,
  deps: PartnerAppDeps = {},
): RequestListener {
  const { routes, finish } = createGatewayApp({
    requestDeadlineMs: config.requestDeadlineMs,
    edge: config,
    gateway,
  });
  const keys = new ApiKeys<PartnerKey>(config.partnerKeys);
  const quotas = new Map(config.partnerKeys.map(({ name, ratePerMinute }) => [name, ratePerMinute]));
  const limiter = deps.limiter ?? partnerLimiter(gateway, config);
  const keyed: readonly Step[] = [
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

  const handlers: Record<OperationId, Step> = {
    getProduct: productRoute(gateway),
    listProducts: productsRoute(gateway),
    getOpenApiDocument: openApiDocumentRoute(),
  };
  const table: Record<string, RouteMethods> = {};
  for (const [id, operation] of Object.entries(OPERATIONS) as [
    OperationId,
    (typeof OPERATIONS)[OperationId],
  ][]) {
    const path = routeTemplate(operation.path);
    table[path] = {
      ...table[path],
      [operation.method]: operation.keyed ? [...keyed, handlers[id]] : handlers[id],
    };
  }
  routes(table);
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
