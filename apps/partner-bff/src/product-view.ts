import type { Product as CatalogProduct, Price, Stock } from "@portico/core";
import type { Availability, Degraded, Product } from "./api/schemas.js";

/**
 * `out_of_stock` at 0, `low_stock` up to the threshold, else `in_stock`;
 * `unknown` when there is no stock answer (inventory failed or has no record).
 */
export function availabilityOf(stock: Stock | null, lowStockThreshold: number): Availability {
  if (stock === null) return "unknown";
  if (stock.available <= 0) return "out_of_stock";
  if (stock.available <= lowStockThreshold) return "low_stock";
  return "in_stock";
}

/** A product as partners see it. */
export function partnerProduct(
  product: CatalogProduct,
  price: Price | null,
  availability: Availability,
  degraded: Degraded,
): Product {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    brand: product.brand,
    images: product.images.map(({ url, width, height }) => ({ url, width, height })),
    price: price === null ? null : { amount: price.amount, currency: price.currency },
    availability,
    degraded,
  };
}
