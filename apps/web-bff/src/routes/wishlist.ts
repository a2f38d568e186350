import {
  type Answer,
  composite,
  composition,
  type Exchange,
  emptyFallback,
  foundOr,
  type Gateway,
  type Price,
  type Step,
} from "@portico/core";
import type { Wishlist } from "../api/schemas.js";
import { batchIds, withCatalogDetails } from "../shaping/catalog-items.js";

interface Input {
  readonly customerId: string;
}

const NO_PRICES: readonly Price[] = [];

/**
 * The signed-in customer's wishlist (contract 2.3): the customers call
 * first, then one batched catalog call (required) and one batched pricing
 * call (optional: prices `null`, `degraded.prices = "empty"`) for the
 * listed ids. An empty wishlist makes no batch call at all.
 */
export function wishlist(gateway: Gateway): Step {
  const { shop } = gateway;
  const plan = composition<Input>()
    .part("customer", { run: (ctx, { customerId }) => shop.customer(ctx, customerId) })
    .part("products", {
      needs: ["customer"],
      run: (ctx, _input, { customer }) => shop.products(ctx, batchIds(wishlistEntries(customer.wishlist))),
    })
    .part("prices", {
      needs: ["customer"],
      fallback: emptyFallback(NO_PRICES),
      run: (ctx, _input, { customer }) => shop.prices(ctx, batchIds(wishlistEntries(customer.wishlist))),
    });

  return async function wishlistHandler(exchange: Exchange): Promise<Answer> {
    const ctx = exchange.ctx;
    // `requireCustomer()` runs first: there is a customer id here.
    const customerId = ctx.identity?.customerId as string;
    // A valid token for a customer the shop does not know is a 404.
    const result = await foundOr(plan.run(ctx, { customerId }), "customers", "No such customer");
    const { customer, products, prices } = result.values;
    return composite<Wishlist>({
      items: withCatalogDetails(wishlistEntries(customer.wishlist), products, prices),
      degraded: result.degraded,
    });
  };
}

function wishlistEntries(ids: readonly string[]): { productId: string }[] {
  return ids.map((productId) => ({ productId }));
}
