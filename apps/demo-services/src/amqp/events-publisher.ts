import type { DemoEvents, InventoryChanged, PriceChanged } from "../store/demo-events.js";
import type { AmqpLink, LinkedChannel } from "./amqp-link.js";

export interface EventsPublisherOptions {
  readonly link: AmqpLink;
  /** The topic exchange, `shop.events` by default. */
  readonly exchange: string;
  readonly events: DemoEvents;
}

/**
 * Forwards the demo store's data changes (admin calls) to the topic
 * exchange under their routing keys, `inventory.changed` and
 * `price.changed`, with the contract's payloads. Events are a live feed:
 * one raised while the broker is unreachable is dropped (and counted), not
 * queued; the next change carries the current value anyway.
 */
export class EventsPublisher {
  readonly #options: EventsPublisherOptions;
  readonly #channel: LinkedChannel;
  readonly #onInventory = (event: InventoryChanged) => this.#publish("inventory.changed", event);
  readonly #onPrice = (event: PriceChanged) => this.#publish("price.changed", event);
  #published = 0;
  #dropped = 0;

  constructor(options: EventsPublisherOptions) {
    this.#options = options;
    this.#channel = options.link.channel(async (channel) => {
      await channel.assertExchange(options.exchange, "topic", { durable: true });
    });
    options.events.on("inventory.changed", this.#onInventory);
    options.events.on("price.changed", this.#onPrice);
  }

  get stats(): { published: number; dropped: number } {
    return { published: this.#published, dropped: this.#dropped };
  }

  close(): void {
    this.#options.events.off("inventory.changed", this.#onInventory);
    this.#options.events.off("price.changed", this.#onPrice);
  }

  #publish(routingKey: string, payload: InventoryChanged | PriceChanged): void {
    const channel = this.#channel.current;
    if (channel === undefined) {
      this.#dropped++;
      return;
    }
    try {
      channel.publish(this.#options.exchange, routingKey, Buffer.from(JSON.stringify(payload)), {
        contentType: "application/json",
        timestamp: Math.floor(Date.now() / 1000),
      });
      this.#published++;
    } catch {
      this.#dropped++;
    }
  }
}
