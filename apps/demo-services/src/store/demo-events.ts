import { EventEmitter } from "node:events";

/** Payload of `inventory.changed` (contract section 3, events). */
export interface InventoryChanged {
  readonly productId: string;
  readonly available: number;
}

/** Payload of `price.changed` (contract section 3, events). */
export interface PriceChanged {
  readonly productId: string;
  readonly amount: number;
  readonly currency: string;
}

/** Event names are the broker routing keys, so a publisher can forward them as they are. */
export interface DemoEventMap {
  "inventory.changed": [InventoryChanged];
  "price.changed": [PriceChanged];
}

/**
 * In-process events for data changes made through the admin API; an AMQP
 * publisher can subscribe and forward them to the `shop.events` exchange.
 *
 * @example
 * demo.events.on("inventory.changed", (e) => publish("inventory.changed", e));
 */
export type DemoEvents = EventEmitter<DemoEventMap>;

export function createDemoEvents(): DemoEvents {
  return new EventEmitter<DemoEventMap>();
}
