import { parseShopEvent, type RelayRoute } from "@portico/core";

/** What a `/live` socket receives about its product. */
export type LiveMessage =
  | {
      readonly type: "inventory";
      readonly productId: string;
      readonly available: number;
      readonly lowStock: boolean;
    }
  | { readonly type: "price"; readonly productId: string; readonly amount: number; readonly currency: string }
  | { readonly type: "status"; readonly live: boolean };

/**
 * Shapes the shop's broker events for web clients: `inventory.changed`
 * becomes `{type:"inventory",productId,available,lowStock}` (lowStock as on
 * the product page), `price.changed` becomes `{type:"price",productId,amount,currency}`.
 * Anything else on the exchange is dropped.
 */
export function liveRoute(lowStockThreshold: number) {
  return function liveRoute(routingKey: string, content: Buffer): RelayRoute | undefined {
    const parsed = parseShopEvent(routingKey, content);
    if (parsed === undefined) return undefined;
    const { productId } = parsed.event;
    const message: LiveMessage =
      parsed.key === "inventory.changed"
        ? {
            type: "inventory",
            productId,
            available: parsed.event.available,
            lowStock: parsed.event.available <= lowStockThreshold,
          }
        : { type: "price", productId, amount: parsed.event.amount, currency: parsed.event.currency };
    return { topic: productId, message };
  };
}

/** Told to every socket on joining, and again whenever the broker is lost or back. */
export function statusMessage(live: boolean): LiveMessage {
  return { type: "status", live };
}
