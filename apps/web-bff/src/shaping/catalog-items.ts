import type { Money, Price, Product } from "@portico/core";

/** What the web pages show of a product next to a list entry (a recommendation, a wishlist line). */
export interface CatalogDetails {
  readonly name: string;
  /** The first image's url; null when the product has none. */
  readonly imageUrl: string | null;
  /** null when the pricing batch failed or had no price for the product. */
  readonly price: Money | null;
}

/** The distinct product ids of `entries`, in order: the `ids=` of one batched call. */
export function batchIds(entries: readonly { readonly productId: string }[]): string[] {
  return [...new Set(entries.map((entry) => entry.productId))];
}

/**
 * Joins list entries with the answers of one batched catalog call and one
 * batched pricing call. An entry whose product the catalog batch left out
 * is dropped (the product is gone; a line without a name is no use to the
 * page); a missing price is `null`.
 *
 * @example
 * withCatalogDetails([{ productId: "p7" }], products, prices)
 * // [{ productId: "p7", name: "…", imageUrl: "…", price: { amount: 2999, currency: "USD" } }]
 */
export function withCatalogDetails<E extends { readonly productId: string }>(
  entries: readonly E[],
  products: readonly Product[],
  prices: readonly Price[],
): (E & CatalogDetails)[] {
  const productsById = new Map(products.map((product) => [product.id, product]));
  const pricesById = new Map(prices.map((price) => [price.productId, price]));
  return entries.flatMap((entry) => {
    const product = productsById.get(entry.productId);
    if (product === undefined) return [];
    const price = pricesById.get(entry.productId);
    return [
      {
        ...entry,
        name: product.name,
        imageUrl: product.images[0]?.url ?? null,
        price: price === undefined ? null : { amount: price.amount, currency: price.currency },
      },
    ];
  });
}
