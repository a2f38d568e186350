import type {
  CartItem,
  Customer,
  Order,
  Price,
  Product,
  Recommendation,
  Review,
  ShippingOption,
} from "../model.js";
import { buildCarts, buildCustomers, buildOrderItems, buildOrders } from "./customers.js";
import { buildStock } from "./inventory.js";
import { buildPrices } from "./prices.js";
import { buildProducts } from "./products.js";
import { buildRecommendations } from "./recommendations.js";
import { buildReviews } from "./reviews.js";
import { buildShipping } from "./shipping.js";

/** The demo shop's data. Identical on every run; deeply frozen. */
export interface Seed {
  /** p1..p24, in id order. */
  readonly products: readonly Product[];
  /** One per product, in product order. */
  readonly prices: readonly Price[];
  /** Per product id, newest first. */
  readonly reviews: Readonly<Record<string, readonly Review[]>>;
  /** Units available per product id, as the service starts. */
  readonly stock: Readonly<Record<string, number>>;
  readonly shipping: Readonly<Record<string, readonly ShippingOption[]>>;
  /** Per product id, in the order the service answers. */
  readonly recommendations: Readonly<Record<string, readonly Recommendation[]>>;
  /** c1..c3. */
  readonly customers: readonly Customer[];
  /** Cart lines per customer id (c3's is empty). */
  readonly carts: Readonly<Record<string, readonly CartItem[]>>;
  /** Orders per customer id, newest first. */
  readonly orders: Readonly<Record<string, readonly Order[]>>;
  /** The lines of every seed order, by order id. */
  readonly orderItems: Readonly<Record<string, readonly CartItem[]>>;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function buildSeed(): Seed {
  const products = buildProducts();
  const ids = products.map((p) => p.id);
  const prices = buildPrices(ids);
  return {
    products,
    prices,
    reviews: buildReviews(ids),
    stock: buildStock(ids),
    shipping: buildShipping(products, prices),
    recommendations: buildRecommendations(products),
    customers: buildCustomers(),
    carts: buildCarts(),
    orders: buildOrders(),
    orderItems: buildOrderItems(),
  };
}

/**
 * The seed data every demo service starts from. Tests in other packages use
 * it to know expected values, e.g. `seed.products[0]!.name`.
 */
export const seed: Seed = deepFreeze(buildSeed());
