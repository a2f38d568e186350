import {
  type Answer,
  type CustomerInput,
  composite,
  composition,
  type Exchange,
  emptyFallback,
  foundOr,
  type Gateway,
  type Price,
  type Product,
  type ProductInput,
  requireId,
  type Step,
  shopParts,
} from "@portico/core";
import type { ProductPage } from "../api/schemas.js";
import { batchIds, withCatalogDetails } from "../shaping/catalog-items.js";

/** The page shows this many reviews, recommendations and orders. */
const LIST_LIMIT = 10;

const NO_PRODUCTS: readonly Product[] = [];
const NO_PRICES: readonly Price[] = [];

/**
 * The web product page in one call (contract 2.3): the shop's parts
 * (core's `shopParts`, with their fallbacks) with more detail, and
 * recommendations enriched by a dependent composition: the
 * recommendations call, then one batched catalog call and one batched
 * pricing call for the recommended ids, both started the moment the ids
 * are known.
 */
export function productPage(gateway: Gateway): Step {
  const { shop, config } = gateway;
  const parts = shopParts(gateway, {
    reviewsLimit: LIST_LIMIT,
    recommendationsLimit: LIST_LIMIT,
    ordersLimit: LIST_LIMIT,
  });
  const plan = composition<ProductInput & CustomerInput>()
    .part("product", parts.product)
    .part("price", parts.price)
    .part("reviews", parts.reviews)
    .part("inventory", parts.inventory)
    .part("shipping", parts.shipping)
    .part("recommendations", parts.recommendations)
    // Without the catalog batch no recommendation can be shown: the list
    // ends up empty, and the marker says so (it replaces a `default`).
    .part("recommendedProducts", {
      needs: ["recommendations"],
      fallback: emptyFallback(NO_PRODUCTS),
      degradedAs: "recommendations",
      run: (ctx, _input, { recommendations }) => shop.products(ctx, batchIds(recommendations)),
    })
    .part("recommendedPrices", {
      needs: ["recommendations"],
      fallback: emptyFallback(NO_PRICES),
      degradedAs: "recommendationPrices",
      run: (ctx, _input, { recommendations }) => shop.prices(ctx, batchIds(recommendations)),
    })
    .part("cart", parts.cart)
    .part("orders", parts.orders);

  return async function productPageHandler(exchange: Exchange): Promise<Answer> {
    const productId = requireId(exchange.params.productId, "productId");
    const ctx = exchange.ctx;
    const result = await foundOr(
      plan.run(ctx, { productId, customerId: ctx.identity?.customerId }),
      "catalog",
      `No product with id ${productId}`,
    );
    const { product, price, reviews, inventory, shipping, cart, orders } = result.values;
    const { recommendations, recommendedProducts, recommendedPrices } = result.values;
    return composite<ProductPage>({
      product: {
        id: product.id,
        name: product.name,
        description: product.description,
        brand: product.brand,
        category: product.category,
        images: product.images.map(({ url, width, height }) => ({ url, width, height })),
        price:
          price === null
            ? null
            : { amount: price.amount, currency: price.currency, listAmount: price.listAmount },
      },
      reviews: {
        average: reviews.average,
        count: reviews.count,
        items: reviews.items
          .slice(0, LIST_LIMIT)
          .map(({ author, rating, title, body, date }) => ({ author, rating, title, body, date })),
      },
      inventory:
        inventory === null
          ? null
          : { available: inventory.available, lowStock: inventory.available <= config.lowStockThreshold },
      shipping: shipping.map(({ method, cost, estimatedDays }) => ({
        method,
        cost: { amount: cost.amount, currency: cost.currency },
        estimatedDays,
      })),
      recommendations: withCatalogDetails(
        recommendations.map(({ productId: id, reason }) => ({ productId: id, reason })),
        recommendedProducts,
        recommendedPrices,
      ),
      cart:
        cart === null
          ? null
          : {
              itemCount: cart.itemCount,
              items: cart.items.map(({ productId: id, quantity }) => ({ productId: id, quantity })),
            },
      orders:
        orders === null
          ? null
          : orders.slice(0, LIST_LIMIT).map(({ orderId, placedAt, status, total }) => ({
              orderId,
              placedAt,
              status,
              total: { amount: total.amount, currency: total.currency },
            })),
      degraded: result.degraded,
    });
  };
}
