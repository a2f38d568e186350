import {
  ApiKeys,
  createGatewayApp,
  type Gateway,
  MemoryRateLimiter,
  mountRoutes,
  type RateLimiter,
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
  /** Counts requests per partner. Default: in memory, windows of `config.rateWindowMs`. */
  limiter?: RateLimiter;
}

/**
 * The partner API (contract 2.4); no port, so tests can drive it directly.
 * Routes are mounted from the same operation list the OpenAPI document is
 * built from; keyed ones check the API key, then the key's quota.
 */
export function createApp(gateway: Gateway, config: PartnerConfig, deps: PartnerAppDeps = {}): Express {
  const { app, finish } = createGatewayApp({ requestDeadlineMs: config.requestDeadlineMs });
  const keys = new ApiKeys<PartnerKey>(config.partnerKeys);
  const quotas = new Map(config.partnerKeys.map(({ name, ratePerMinute }) => [name, ratePerMinute]));
  const limiter = deps.limiter ?? new MemoryRateLimiter({ windowMs: config.rateWindowMs });
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
