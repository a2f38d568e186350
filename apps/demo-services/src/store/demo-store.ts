import type { Price, Stock } from "../model.js";
import type { Seed } from "../seed/seed.js";
import { createDemoEvents, type DemoEvents } from "./demo-events.js";

/**
 * The live data behind the services: the seed plus the few values the admin
 * API may change (stock and prices). Everything else reads the seed directly.
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
  /** Back to the seed values, without events. */
  reset(): void;
}

export function createDemoStore(seed: Seed): DemoStore {
  const events = createDemoEvents();
  let stock = new Map<string, number>();
  let prices = new Map<string, Price>();
  const reset = () => {
    stock = new Map(Object.entries(seed.stock));
    prices = new Map(seed.prices.map((p) => [p.productId, p]));
  };
  reset();

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
    reset,
  };
}
