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

/** Payload of `order.placed` (contract section 3, events), raised once the order is stored. */
export interface OrderPlaced {
  readonly orderId: string;
  readonly customerId: string;
  readonly placedAt: string;
}

/** Event names are the broker routing keys, so a publisher can forward them as they are. */
export interface DemoEventMap {
  "inventory.changed": [InventoryChanged];
  "price.changed": [PriceChanged];
  "order.placed": [OrderPlaced];
}

/**
 * In-process events for data changes (the admin API, and orders placed with
 * the stock they took); an AMQP publisher can subscribe and forward them to
 * the `shop.events` exchange.
 *
 * @example
 * demo.events.on("inventory.changed", (e) => publish("inventory.changed", e));
 */
export type DemoEvents = EventEmitter<DemoEventMap>;

export function createDemoEvents(): DemoEvents {
  return new EventEmitter<DemoEventMap>();
}
