import {
  composition,
  contextOf,
  emptyFallback,
  foundOr,
  type Gateway,
  lastKnownPriceFallback,
  nullIfNotFound,
  type Stock,
  sendJson,
} from "@portico/core";
import type { Request, Response } from "express";
import { productPathSchema } from "../api/schemas.js";
import { parseParams } from "../api/validate.js";
import { availabilityOf, partnerProduct } from "../product-view.js";

/**
 * `GET /v1/products/{id}` (contract 2.4): the catalog is required; the price
 * falls back to the last known one, else null; inventory to `unknown`.
 */
export function productRoute(gateway: Gateway) {
  const { shop, config } = gateway;
  const plan = composition<{ id: string }>()
    .part("product", { run: (ctx, { id }) => shop.product(ctx, id) })
    .part("price", {
      fallback: lastKnownPriceFallback({
        lastKnownGood: gateway.lastKnownGood,
        cacheStaleTtlS: config.cacheStaleTtlS,
        observer: gateway.observer,
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
    const result = await foundOr(plan.run(contextOf(res), { id }), "catalog", `No product with id ${id}`);
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
