import type { OrderDetails } from "../model.js";
import type { Seed } from "../seed/seed.js";

/**
 * Every stored order: the seed's and the ones placed since start (or the
 * last reset), by id, by customer, and by idempotency key. Keys are scoped
 * to the customer: the same key from another customer is another order.
 */
export class OrderBook {
  readonly #byId = new Map<string, OrderDetails>();
  /** Per customer, newest first (in the order they were stored). */
  readonly #byCustomer = new Map<string, OrderDetails[]>();
  /** customerId → idempotency key → orderId. */
  readonly #byKey = new Map<string, Map<string, string>>();
  #placed = 0;

  constructor(seed: Seed) {
    for (const [customerId, orders] of Object.entries(seed.orders)) {
      const list = orders.map((order) => ({
        ...order,
        customerId,
        items: seed.orderItems[order.orderId] ?? [],
      }));
      this.#byCustomer.set(customerId, list);
      for (const order of list) this.#byId.set(order.orderId, order);
    }
  }

  /** Orders placed through the API since start or reset (seed orders not counted). */
  get placed(): number {
    return this.#placed;
  }

  /** Every stored order, seed orders included. */
  get stored(): number {
    return this.#byId.size;
  }

  get(orderId: string): OrderDetails | undefined {
    return this.#byId.get(orderId);
  }

  /** A customer's orders, newest first; undefined for a customer the book does not know. */
  list(customerId: string): readonly OrderDetails[] | undefined {
    const orders = this.#byCustomer.get(customerId);
    if (orders === undefined) return undefined;
    // Stable: orders of the same instant stay newest first, as they were stored.
    return [...orders].sort((a, b) => Date.parse(b.placedAt) - Date.parse(a.placedAt));
  }

  /** The order a customer already placed with this key, if any. */
  byKey(customerId: string, key: string): OrderDetails | undefined {
    const orderId = this.#byKey.get(customerId)?.get(key);
    return orderId === undefined ? undefined : this.#byId.get(orderId);
  }

  /** Stores a new order under its customer's key. */
  add(order: OrderDetails, key: string): void {
    this.#byId.set(order.orderId, order);
    const list = this.#byCustomer.get(order.customerId);
    if (list) list.unshift(order);
    else this.#byCustomer.set(order.customerId, [order]);
    let keys = this.#byKey.get(order.customerId);
    if (!keys) {
      keys = new Map();
      this.#byKey.set(order.customerId, keys);
    }
    keys.set(key, order.orderId);
    this.#placed++;
  }
}
