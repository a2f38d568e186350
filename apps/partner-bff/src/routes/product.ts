import {
  type Answer,
  composite,
  composition,
  type Exchange,
  foundOr,
  type Gateway,
  type ProductInput,
  type Step,
  shopParts,
} from "@portico/core";
import { productPathSchema } from "../api/schemas.js";
import { parseParams } from "../api/validate.js";
import { availabilityOf, partnerProduct } from "../product-view.js";

/**
 * `GET /v1/products/{id}` (contract 2.4): the shop's product, price and
 * inventory parts (core's `shopParts`: the catalog is required; the price
 * falls back to the last known one, else null; inventory to null), shown
 * to partners as `availability` (`unknown` when inventory failed).
 */
export function productRoute(gateway: Gateway): Step {
  const { config } = gateway;
  const parts = shopParts(gateway);
  const plan = composition<ProductInput>()
    .part("product", parts.product)
    .part("price", parts.price)
    .part("stock", { ...parts.inventory, degradedAs: "availability" });

  return async function product(exchange: Exchange): Promise<Answer> {
    const { id } = parseParams(productPathSchema, exchange.params, "path");
    const result = await foundOr(
      plan.run(exchange.ctx, { productId: id }),
      "catalog",
      `No product with id ${id}`,
    );
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
