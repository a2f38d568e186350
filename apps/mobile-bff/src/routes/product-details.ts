import {
  type Answer,
  composite,
  composition,
  EMPTY_REVIEWS,
  type Exchange,
  emptyFallback,
  foundOr,
  type Gateway,
  lastKnownPriceFallback,
  nullIfNotFound,
  type ReviewSummary,
  requireId,
  type Step,
  staticFallback,
  TOP_TEN_RECOMMENDATIONS,
} from "@portico/core";
import type { ProductDetails } from "../api/schemas.js";

interface Input {
  readonly productId: string;
  readonly customerId: string | undefined;
}

/**
 * The product-details screen in one call (contract 2.2): catalog is
 * required; every other part is optional with its fallback.
 */
export function productDetails(gateway: Gateway): Step {
  const { shop, config } = gateway;
  const plan = composition<Input>()
    .part("product", { run: (ctx, { productId }) => shop.product(ctx, productId) })
    .part("price", {
      fallback: lastKnownPriceFallback({
        lastKnownGood: gateway.lastKnownGood,
        cacheStaleTtlS: config.cacheStaleTtlS,
        observer: gateway.observer,
      }),
      key: ({ productId }) => productId,
      run: (ctx, { productId }) => nullIfNotFound(shop.price(ctx, productId)),
    })
    .part("reviews", {
      fallback: emptyFallback<ReviewSummary>(EMPTY_REVIEWS),
      run: (ctx, { productId }) => shop.reviews(ctx, productId, 3),
    })
    .part("inventory", {
      fallback: emptyFallback(null),
      run: (ctx, { productId }) => nullIfNotFound(shop.stock(ctx, productId)),
    })
    .part("shipping", {
      fallback: emptyFallback([]),
      run: (ctx, { productId }) => shop.shippingQuotes(ctx, productId),
    })
    .part("recommendations", {
      fallback: staticFallback(TOP_TEN_RECOMMENDATIONS),
      run: (ctx, { productId }) => shop.recommendations(ctx, productId, 10),
    })
    .part("cart", {
      when: ({ customerId }) => customerId !== undefined,
      otherwise: null,
      fallback: emptyFallback(null),
      run: (ctx, { customerId }) => shop.cart(ctx, customerId as string),
    })
    .part("orders", {
      when: ({ customerId }) => customerId !== undefined,
      otherwise: null,
      fallback: emptyFallback(null),
      run: (ctx, { customerId }) => shop.orders(ctx, customerId as string, 3),
    });

  return async function productDetailsHandler(exchange: Exchange): Promise<Answer> {
    const productId = requireId(exchange.params.productId ?? exchange.query.productid, "productId");
    const ctx = exchange.ctx;
    const result = await foundOr(
      plan.run(ctx, { productId, customerId: ctx.identity?.customerId }),
      "catalog",
      `No product with id ${productId}`,
    );
    const { product, price, reviews, inventory, shipping, recommendations, cart, orders } = result.values;
    return composite<ProductDetails>({
      product: {
        id: product.id,
        name: product.name,
        description: product.description,
        imageUrl: product.images[0]?.url ?? null,
        price: price === null ? null : { amount: price.amount, currency: price.currency },
      },
      reviews: {
        average: reviews.average,
        count: reviews.count,
        top: reviews.items.slice(0, 3).map(({ author, rating, title }) => ({ author, rating, title })),
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
      recommendations: recommendations
        .slice(0, 10)
        .map(({ productId: id, reason }) => ({ productId: id, reason })),
      cart: cart === null ? null : { itemCount: cart.itemCount },
      orders:
        orders === null
          ? null
          : orders.slice(0, 3).map(({ orderId, placedAt, status }) => ({ orderId, placedAt, status })),
      degraded: result.degraded,
    });
  };
}
