import { randomUUID } from "node:crypto";
import type { Cart, CartItem, OrderDetails, Price, ShippingMethod, Stock } from "../model.js";
import { ownEntry } from "../seed/own-entry.js";
import type { Seed } from "../seed/seed.js";
import { createDemoEvents, type DemoEvents, type InventoryChanged } from "./demo-events.js";
import { OrderBook } from "./order-book.js";
import { orderTotal } from "./order-total.js";

/** What `POST /orders` asks for, validated. */
export interface OrderRequest {
  readonly customerId: string;
  /** The `Idempotency-Key` header; scoped to the customer. */
  readonly idempotencyKey: string;
  /** At least one line, each product once. */
  readonly items: readonly CartItem[];
  readonly shippingMethod: ShippingMethod;
}

/** The outcome of {@link DemoStore.placeOrder}; only `placed` changed anything. */
export type PlaceOrderResult =
  | { readonly outcome: "placed"; readonly order: OrderDetails }
  | { readonly outcome: "replayed"; readonly order: OrderDetails }
  | { readonly outcome: "unknown_customer" }
  | { readonly outcome: "unknown_product"; readonly productId: string }
  | { readonly outcome: "out_of_stock"; readonly productId: string };

/** The outcome of {@link DemoStore.setCartQuantity}; only `changed` changed anything. */
export type CartChangeResult =
  | { readonly outcome: "changed"; readonly cart: Cart }
  | { readonly outcome: "unknown_customer" }
  | { readonly outcome: "unknown_product" };

/** Placed-order counters, as `GET /_admin/orders/count` answers them. */
export interface OrderCount {
  /** Orders placed through `POST /orders` since start or the last reset (replays not counted). */
  readonly placed: number;
  /** Every stored order, seed orders included. */
  readonly stored: number;
}

/**
 * The live data behind the services: the seed plus what may change (stock
 * and prices through the admin API, carts and orders through the services'
 * writes). Everything else reads the seed directly.
 */
export interface DemoStore {
  readonly seed: Seed;
  readonly events: DemoEvents;
  getStock(productId: string): Stock | undefined;
  getPrice(productId: string): Price | undefined;
  /** Sets the units available and emits `inventory.changed`; undefined for an unknown product. */
  setStock(productId: string, available: number): Stock | undefined;
  /**
   * Sets the price and emits `price.changed`; undefined for an unknown product.
   * The list price rises with it when needed so `listAmount >= amount` holds.
   */
  setPriceAmount(productId: string, amount: number): Price | undefined;
  /** A seed customer's cart; undefined for an unknown customer. */
  getCart(customerId: string): Cart | undefined;
  /** Sets a line's quantity (0 removes it; a new line goes last) and answers the cart. */
  setCartQuantity(customerId: string, productId: string, quantity: number): CartChangeResult;
  /** A customer's orders, newest first; undefined for an unknown customer. */
  listOrders(customerId: string): readonly OrderDetails[] | undefined;
  getOrder(orderId: string): OrderDetails | undefined;
  /**
   * Places an order, all or nothing: the customer's key already used answers
   * that order (`replayed`, nothing changes); otherwise every line must have
   * the stock, which is then taken (`inventory.changed` per line), the order
   * is stored, and `order.placed` is emitted.
   */
  placeOrder(request: OrderRequest): PlaceOrderResult;
  orderCount(): OrderCount;
  /** Stock, prices, carts and orders (with their keys) back to the seed, without events. */
  reset(): void;
}

export function createDemoStore(seed: Seed): DemoStore {
  const events = createDemoEvents();
  const products = new Set(seed.products.map((p) => p.id));
  const customers = new Set(seed.customers.map((c) => c.id));
  let stock = new Map<string, number>();
  let prices = new Map<string, Price>();
  let carts = new Map<string, readonly CartItem[]>();
  let orders = new OrderBook(seed);
  const reset = () => {
    stock = new Map(Object.entries(seed.stock));
    prices = new Map(seed.prices.map((p) => [p.productId, p]));
    carts = new Map(seed.customers.map((c) => [c.id, ownEntry(seed.carts, c.id) ?? []]));
    orders = new OrderBook(seed);
  };
  reset();

  const cartOf = (customerId: string, items: readonly CartItem[]): Cart => ({
    customerId,
    items,
    itemCount: items.reduce((sum, item) => sum + item.quantity, 0),
  });

  return {
    seed,
    events,
    getStock(productId) {
      const available = stock.get(productId);
      return available === undefined ? undefined : { productId, available };
    },
    getPrice(productId) {
      return prices.get(productId);
    },
    setStock(productId, available) {
      if (!stock.has(productId)) return undefined;
      stock.set(productId, available);
      const change = { productId, available };
      events.emit("inventory.changed", change);
      return change;
    },
    setPriceAmount(productId, amount) {
      const current = prices.get(productId);
      if (!current) return undefined;
      const next: Price = { ...current, amount, listAmount: Math.max(current.listAmount, amount) };
      prices.set(productId, next);
      events.emit("price.changed", { productId, amount, currency: next.currency });
      return next;
    },
    getCart(customerId) {
      const items = carts.get(customerId);
      return items === undefined ? undefined : cartOf(customerId, items);
    },
    setCartQuantity(customerId, productId, quantity) {
      const items = carts.get(customerId);
      if (items === undefined) return { outcome: "unknown_customer" };
      if (!products.has(productId)) return { outcome: "unknown_product" };
      const at = items.findIndex((item) => item.productId === productId);
      let next: CartItem[];
      if (quantity === 0) next = items.filter((item) => item.productId !== productId);
      else if (at === -1) next = [...items, { productId, quantity }];
      else next = items.map((item, i) => (i === at ? { productId, quantity } : item));
      carts.set(customerId, next);
      return { outcome: "changed", cart: cartOf(customerId, next) };
    },
    listOrders(customerId) {
      return orders.list(customerId);
    },
    getOrder(orderId) {
      return orders.get(orderId);
    },
    placeOrder({ customerId, idempotencyKey, items, shippingMethod }) {
      const earlier = orders.byKey(customerId, idempotencyKey);
      if (earlier) return { outcome: "replayed", order: earlier };
      if (!customers.has(customerId)) return { outcome: "unknown_customer" };
      // A product without a price can't be sold: as unknown as one not in the catalog.
      const unknown = items.find((item) => !products.has(item.productId) || !prices.has(item.productId));
      if (unknown) return { outcome: "unknown_product", productId: unknown.productId };
      const short = items.find((item) => (stock.get(item.productId) ?? 0) < item.quantity);
      if (short) return { outcome: "out_of_stock", productId: short.productId };
      const total = orderTotal({
        items,
        shippingMethod,
        priceOf: (id) => prices.get(id),
        shippingOf: (id) => ownEntry(seed.shipping, id),
      });

      // Everything checked: commit (stock, then the order), then tell the world.
      const changes: InventoryChanged[] = items.map(({ productId, quantity }) => {
        const available = (stock.get(productId) ?? 0) - quantity;
        stock.set(productId, available);
        return { productId, available };
      });
      const order: OrderDetails = {
        orderId: randomUUID(),
        customerId,
        placedAt: new Date().toISOString(),
        status: "placed",
        total,
        items: items.map(({ productId, quantity }) => ({ productId, quantity })),
      };
      orders.add(order, idempotencyKey);
      for (const change of changes) events.emit("inventory.changed", change);
      events.emit("order.placed", { orderId: order.orderId, customerId, placedAt: order.placedAt });
      return { outcome: "placed", order };
    },
    orderCount() {
      return { placed: orders.placed, stored: orders.stored };
    },
    reset,
  };
}
