import type { CacheStore } from "../cache/cache-store.js";
import type { UpstreamObserver } from "../client/upstream-observer.js";
import type { PartSpec } from "../compose/plan.js";
import { NotFoundError, UpstreamNotFoundError } from "../errors/index.js";
import {
  emptyFallback,
  type FallbackPolicy,
  lastKnownGoodFallback,
  staticFallback,
} from "../resilience/fallback-policy.js";
import type {
  Cart,
  Order,
  Price,
  Product,
  Recommendation,
  Reviews,
  ShippingOption,
  Stock,
} from "./schemas.js";
import type { ShopApi } from "./shop-api.js";
import { TOP_TEN_RECOMMENDATIONS } from "./top-ten.js";

/** The review part every BFF shows: the summary and the items it asked for. */
export type ReviewSummary = Pick<Reviews, "average" | "count" | "items">;

/** The reviews part's `empty` fallback (contract 2.2). */
export const EMPTY_REVIEWS: ReviewSummary = Object.freeze({ average: null, count: 0, items: [] });

/**
 * The price part's fallback on every BFF: the last price fetched for that
 * product (`cache`), else `null` (`empty`). Key the part by product id.
 * `observer` (the gateway's) is told of each read of the store as a
 * `pricing` lookup in the `lkg` store (`portico_cache_*_total`).
 *
 * ```ts
 * fallback: lastKnownPriceFallback({
 *   lastKnownGood: gateway.lastKnownGood,
 *   cacheStaleTtlS: gateway.config.cacheStaleTtlS,
 *   observer: gateway.observer,
 * }),
 * ```
 */
export function lastKnownPriceFallback({
  lastKnownGood,
  cacheStaleTtlS,
  observer,
}: {
  lastKnownGood: CacheStore;
  cacheStaleTtlS: number;
  /** Told of the store's lookups; default nobody. */
  observer?: UpstreamObserver | undefined;
}): FallbackPolicy<Price | null> {
  return lastKnownGoodFallback<Price | null>({
    store: lastKnownGood,
    prefix: "lkg:price",
    ttlS: cacheStaleTtlS,
    orElse: emptyFallback(null),
    onLookup: (hit) => observer?.cacheLookup?.("pricing", hit, "lkg"),
  });
}

/**
 * A 404 from an optional service is an answer ("this product has no
 * price"), not a failure: the part is `null` and not marked degraded.
 */
export function nullIfNotFound<T>(call: Promise<T>): Promise<T | null> {
  // A handler, not an async function: it is on the price and stock parts of every composite.
  return Promise.resolve(call).then(undefined, nullIfUpstreamNotFound);
}

function nullIfUpstreamNotFound(error: unknown): null {
  if (error instanceof UpstreamNotFoundError) return null;
  throw error;
}

/**
 * Turns the given service's 404 into the client's 404 with a message of
 * ours (e.g. "No product with id p9"); any other failure passes through.
 */
export async function foundOr<T>(call: Promise<T>, service: string, message: string): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof UpstreamNotFoundError && error.service === service) throw new NotFoundError(message);
    throw error;
  }
}

/** The input of a part about one product: the validated product id. */
export interface ProductInput {
  readonly productId: string;
}

/** The input of a part about the caller: the signed-in customer's id, undefined when anonymous. */
export interface CustomerInput {
  readonly customerId: string | undefined;
}

/**
 * A shop part that needs no other part, ready for `composition<I>().part(name, spec)`
 * of any input `I` that has what the part reads (`ProductInput`, `CustomerInput`).
 */
export type ShopPart<I, T> = PartSpec<I, Record<never, never>, never, T>;

/**
 * The shop's parts and their fallbacks (contract 2.2), declared once for
 * every BFF. A BFF picks the ones it needs, under the names its `degraded`
 * map uses, and shapes the values for its client:
 *
 * | part | service | on failure |
 * |---|---|---|
 * | `product` | catalog | required: fails the composition (its 404 is the route's to map, `foundOr`) |
 * | `price` | pricing | last known price (`cache`), else `null` (`empty`); a 404 is `null`, not degraded |
 * | `reviews` | reviews | `EMPTY_REVIEWS` (`empty`) |
 * | `inventory` | inventory | `null` (`empty`); a 404 is `null`, not degraded |
 * | `shipping` | shipping | `[]` (`empty`) |
 * | `recommendations` | recommendations | `TOP_TEN_RECOMMENDATIONS` (`default`) |
 * | `cart`, `orders` | cart, orders | `null` (`empty`); anonymous: `null`, not called, not degraded |
 */
export interface ShopParts {
  readonly product: ShopPart<ProductInput, Product>;
  readonly price: ShopPart<ProductInput, Price | null>;
  /** The summary and at most `reviewsLimit` reviews, as the service orders them. */
  readonly reviews: ShopPart<ProductInput, ReviewSummary>;
  readonly inventory: ShopPart<ProductInput, Stock | null>;
  readonly shipping: ShopPart<ProductInput, readonly ShippingOption[]>;
  /** At most `recommendationsLimit` recommendations. */
  readonly recommendations: ShopPart<ProductInput, readonly Recommendation[]>;
  readonly cart: ShopPart<CustomerInput, Cart | null>;
  /** The customer's `ordersLimit` newest orders. */
  readonly orders: ShopPart<CustomerInput, readonly Order[] | null>;
}

/** What the shop's parts are built from: a `Gateway` has all of it. */
export interface ShopPartsDeps {
  readonly shop: ShopApi;
  /** Behind the price's `cache` fallback. */
  readonly lastKnownGood: CacheStore;
  /** `cacheStaleTtlS`: how long a remembered price may be served (`CACHE_STALE_TTL_S`). */
  readonly config: { readonly cacheStaleTtlS: number };
  /** Told of the last-known-good store's lookups; default nobody. */
  readonly observer?: UpstreamObserver | undefined;
}

/** How many items the list parts ask their service for: what the client shows. */
export interface ShopPartsOptions {
  /** Reviews asked for (the service's `limit`). Default 10. */
  readonly reviewsLimit?: number;
  /** Recommendations asked for and kept. Default 10. */
  readonly recommendationsLimit?: number;
  /** Newest orders asked for. Default 10. */
  readonly ordersLimit?: number;
}

/**
 * The shop's parts for one BFF (see `ShopParts`): build them once, with
 * the gateway, and declare each route's composition from them.
 *
 * ```ts
 * const parts = shopParts(gateway, { reviewsLimit: 3 });
 * const plan = composition<{ productId: string; customerId: string | undefined }>()
 *   .part("product", parts.product)
 *   .part("price", parts.price)
 *   .part("stock", { ...parts.inventory, degradedAs: "availability" }) // another name, same part
 *   .part("cart", parts.cart);
 * ```
 */
export function shopParts(deps: ShopPartsDeps, options: ShopPartsOptions = {}): ShopParts {
  const { shop } = deps;
  const { reviewsLimit = 10, recommendationsLimit = 10, ordersLimit = 10 } = options;
  const signedIn = ({ customerId }: CustomerInput) => customerId !== undefined;
  const firstRecommendations = (list: Recommendation[]) => list.slice(0, recommendationsLimit);
  return {
    product: { run: (ctx, { productId }) => shop.product(ctx, productId) },
    price: {
      fallback: lastKnownPriceFallback({
        lastKnownGood: deps.lastKnownGood,
        cacheStaleTtlS: deps.config.cacheStaleTtlS,
        observer: deps.observer,
      }),
      // Remembered per product: any route of this BFF that fetched the price serves it later.
      key: ({ productId }) => productId,
      run: (ctx, { productId }) => nullIfNotFound(shop.price(ctx, productId)),
    },
    reviews: {
      fallback: emptyFallback<ReviewSummary>(EMPTY_REVIEWS),
      run: (ctx, { productId }) => shop.reviews(ctx, productId, reviewsLimit),
    },
    inventory: {
      fallback: emptyFallback<Stock | null>(null),
      run: (ctx, { productId }) => nullIfNotFound(shop.stock(ctx, productId)),
    },
    shipping: {
      fallback: emptyFallback<readonly ShippingOption[]>([]),
      run: (ctx, { productId }) => shop.shippingQuotes(ctx, productId),
    },
    recommendations: {
      fallback: staticFallback(TOP_TEN_RECOMMENDATIONS),
      // The service may answer more than it was asked for.
      run: (ctx, { productId }) =>
        shop.recommendations(ctx, productId, recommendationsLimit).then(firstRecommendations),
    },
    cart: {
      when: signedIn,
      otherwise: null,
      fallback: emptyFallback<Cart | null>(null),
      run: (ctx, { customerId }) => shop.cart(ctx, customerId as string),
    },
    orders: {
      when: signedIn,
      otherwise: null,
      fallback: emptyFallback<readonly Order[] | null>(null),
      run: (ctx, { customerId }) => shop.orders(ctx, customerId as string, ordersLimit),
    },
  };
}
