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
  type Order,
  type Price,
  type Product,
  type ReviewSummary,
  requireId,
  type Step,
  staticFallback,
  TOP_TEN_RECOMMENDATIONS,
} from "@portico/core";
import type { ProductPage } from "../api/schemas.js";
import { batchIds, withCatalogDetails } from "../shaping/catalog-items.js";

interface Input {
  readonly productId: string;
  readonly customerId: string | undefined;
}

/** The page shows this many reviews, recommendations and orders. */
const LIST_LIMIT = 10;

const NO_PRODUCTS: readonly Product[] = [];
const NO_PRICES: readonly Price[] = [];

/**
 * The web product page in one call (contract 2.3): the mobile parts with
 * more detail, and recommendations enriched by a dependent composition:
 * the recommendations call, then one batched catalog call and one batched
 * pricing call for the recommended ids, both started the moment the ids
 * are known. Catalog is required; every other part has its fallback.
 */
export function productPage(gateway: Gateway): Step {
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
      run: (ctx, { productId }) => shop.reviews(ctx, productId, LIST_LIMIT),
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
      run: async (ctx, { productId }) =>
        (await shop.recommendations(ctx, productId, LIST_LIMIT)).slice(0, LIST_LIMIT),
    })
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
    .part("cart", {
      when: ({ customerId }) => customerId !== undefined,
      otherwise: null,
      fallback: emptyFallback(null),
      run: (ctx, { customerId }) => shop.cart(ctx, customerId as string),
    })
    .part("orders", {
      when: ({ customerId }) => customerId !== undefined,
      otherwise: null,
      fallback: emptyFallback<Order[] | null>(null),
      run: (ctx, { customerId }) => shop.orders(ctx, customerId as string, LIST_LIMIT),
    });

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
