import { z } from "zod";
import { idSchema } from "../http/input.js";

/** The routing keys of the shop's data-change events on `shop.events` (contract section 3). */
export const SHOP_EVENT_KEYS = ["inventory.changed", "price.changed"] as const;

export type ShopEventKey = (typeof SHOP_EVENT_KEYS)[number];

/** `inventory.changed`: `{productId, available}`. */
export const inventoryChangedSchema = z.object({
  productId: idSchema,
  available: z.number().int().nonnegative(),
});

/** `price.changed`: `{productId, amount, currency}`. */
export const priceChangedSchema = z.object({
  productId: idSchema,
  amount: z.number().int(),
  currency: z.string().min(1).max(16),
});

export type InventoryChangedEvent = z.output<typeof inventoryChangedSchema>;
export type PriceChangedEvent = z.output<typeof priceChangedSchema>;

/** A validated shop event. */
export type ShopEvent =
  | { readonly key: "inventory.changed"; readonly event: InventoryChangedEvent }
  | { readonly key: "price.changed"; readonly event: PriceChangedEvent };

/**
 * Validates a message from `shop.events`: the routing key must be one of
 * {@link SHOP_EVENT_KEYS} and the body the contract's JSON. Anything else
 * (unknown key, bad JSON, wrong shape, an id that is not a valid id) is
 * undefined, so a stray publisher can never reach clients.
 */
export function parseShopEvent(routingKey: string, content: Buffer | string): ShopEvent | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(typeof content === "string" ? content : content.toString("utf8"));
  } catch {
    return undefined;
  }
  if (routingKey === "inventory.changed") {
    const parsed = inventoryChangedSchema.safeParse(payload);
    return parsed.success ? { key: routingKey, event: parsed.data } : undefined;
  }
  if (routingKey === "price.changed") {
    const parsed = priceChangedSchema.safeParse(payload);
    return parsed.success ? { key: routingKey, event: parsed.data } : undefined;
  }
  return undefined;
}
