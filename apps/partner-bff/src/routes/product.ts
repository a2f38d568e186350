import {
  composition,
  contextOf,
  emptyFallback,
  type Gateway,
  lastKnownGoodFallback,
  NotFoundError,
  type Price,
  type Stock,
  sendJson,
  UpstreamNotFoundError,
} from "@portico/core";
import type { Request, Response } from "express";
import { productPathSchema } from "../api/schemas.js";
import { parseParams } from "../api/validate.js";
import { availabilityOf, nullIfNotFound, partnerProduct } from "../product-view.js";

/**
 * `GET /v1/products/{id}` (contract 2.4): the catalog is required; the price
 * falls back to the last known one, else null; inventory to `unknown`.
 */
export function productRoute(gateway: Gateway) {
  const { shop, config } = gateway;
  const plan = composition<{ id: string }>()
    .part("product", { run: (ctx, { id }) => shop.product(ctx, id) })
    .part("price", {
      fallback: lastKnownGoodFallback<Price | null>({
        store: gateway.lastKnownGood,
        prefix: "lkg:price",
        ttlS: config.cacheStaleTtlS,
        orElse: emptyFallback(null),
      }),
      key: ({ id }) => id,
      run: (ctx, { id }) => nullIfNotFound(shop.price(ctx, id)),
    })
    .part("stock", {
      degradedAs: "availability",
      fallback: emptyFallback<Stock | null>(null),
      run: (ctx, { id }) => nullIfNotFound(shop.stock(ctx, id)),
    });

  return async function product(req: Request, res: Response): Promise<void> {
    const { id } = parseParams(productPathSchema, req.params, "path");
    let result: Awaited<ReturnType<typeof plan.run>>;
    try {
      result = await plan.run(contextOf(res), { id });
    } catch (error) {
      if (error instanceof UpstreamNotFoundError && error.service === "catalog") {
        throw new NotFoundError(`No product with id ${id}`);
      }
      throw error;
    }
    const { product, price, stock } = result.values;
    const { price: priceKind, availability: availabilityKind } = result.degraded;
    sendJson(
      res,
      partnerProduct(product, price, availabilityOf(stock, config.lowStockThreshold), {
        ...(priceKind === "empty" || priceKind === "cache" ? { price: priceKind } : {}),
        ...(availabilityKind === "empty" ? { availability: availabilityKind } : {}),
      }),
    );
  };
}
