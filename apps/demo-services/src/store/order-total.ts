import type { CartItem, Money, Price, ShippingMethod, ShippingOption } from "../model.js";

export interface OrderTotalInput {
  readonly items: readonly CartItem[];
  readonly shippingMethod: ShippingMethod;
  /** Today's price of a product (admin changes included). */
  readonly priceOf: (productId: string) => Price | undefined;
  /** A product's shipping options (the shipping seed). */
  readonly shippingOf: (productId: string) => readonly ShippingOption[] | undefined;
}

/**
 * What an order costs: every line's current price times its quantity, plus
 * one shipping charge for the whole order (one parcel): the highest cost of
 * the chosen method among the order's products. A product that does not
 * ship that way adds nothing, so an order of furniture by `standard` pays
 * no shipping. Every product must have a price (the caller checks).
 *
 * @example
 * // p1 (1999) x 2 by standard (499): 4497
 */
export function orderTotal({ items, shippingMethod, priceOf, shippingOf }: OrderTotalInput): Money {
  let amount = 0;
  let currency = "USD";
  let shipping = 0;
  for (const item of items) {
    const price = priceOf(item.productId);
    if (price === undefined) throw new Error(`no price for product "${item.productId}"`);
    currency = price.currency;
    amount += price.amount * item.quantity;
    const option = shippingOf(item.productId)?.find((o) => o.method === shippingMethod);
    if (option) shipping = Math.max(shipping, option.cost.amount);
  }
  return { amount: amount + shipping, currency };
}
