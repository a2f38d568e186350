import {
  type Answer,
  type CustomerInput,
  composite,
  composition,
  type Exchange,
  foundOr,
  type Gateway,
  type ProductInput,
  requireId,
  type Step,
  shopParts,
} from "@portico/core";
import type { ProductDetails } from "../api/schemas.js";

/**
 * The product-details screen in one call (contract 2.2): the shop's parts
 * (core's `shopParts`, with their fallbacks), shaped slim for the app.
 */
export function productDetails(gateway: Gateway): Step {
  const { config } = gateway;
  const parts = shopParts(gateway, { reviewsLimit: 3, recommendationsLimit: 10, ordersLimit: 3 });
  const plan = composition<ProductInput & CustomerInput>()
    .part("product", parts.product)
    .part("price", parts.price)
    .part("reviews", parts.reviews)
    .part("inventory", parts.inventory)
    .part("shipping", parts.shipping)
    .part("recommendations", parts.recommendations)
    .part("cart", parts.cart)
    .part("orders", parts.orders);

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
