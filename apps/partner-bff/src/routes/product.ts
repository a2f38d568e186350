import {
  type Answer,
  composite,
  composition,
  type Exchange,
  emptyFallback,
  foundOr,
  type Gateway,
  lastKnownPriceFallback,
  nullIfNotFound,
  type Step,
  type Stock,
} from "@portico/core";
import { productPathSchema } from "../api/schemas.js";
import { parseParams } from "../api/validate.js";
import { availabilityOf, partnerProduct } from "../product-view.js";

/**
 * `GET /v1/products/{id}` (contract 2.4): the catalog is required; the price
 * falls back to the last known one, else null; inventory to `unknown`.
 */
export function productRoute(gateway: Gateway): Step {
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

  return async function product(exchange: Exchange): Promise<Answer> {
    const { id } = parseParams(productPathSchema, exchange.params, "path");
    const result = await foundOr(plan.run(exchange.ctx, { id }), "catalog", `No product with id ${id}`);
    const { product, price, stock } = result.values;
    const { price: priceKind, availability: availabilityKind } = result.degraded;
    return composite(
      partnerProduct(product, price, availabilityOf(stock, config.lowStockThreshold), {
        ...(priceKind === "empty" || priceKind === "cache" ? { price: priceKind } : {}),
        ...(availabilityKind === "empty" ? { availability: availabilityKind } : {}),
      }),
    );
  };
}
