import type { DemoEventMap, DemoEvents } from "../store/demo-events.js";
import type { AmqpLink, LinkedChannel } from "./amqp-link.js";

export interface EventsPublisherOptions {
  readonly link: AmqpLink;
  /** The topic exchange, `shop.events` by default. */
  readonly exchange: string;
  readonly events: DemoEvents;
}

/** Every event the store raises is forwarded under its own name as routing key. */
const ROUTING_KEYS = [
  "inventory.changed",
  "price.changed",
  "order.placed",
] as const satisfies readonly (keyof DemoEventMap)[];

type Payload = DemoEventMap[keyof DemoEventMap][0];

/**
 * Forwards the demo store's data changes (admin calls, orders placed and
 * the stock they took) to the topic exchange under their routing keys,
 * `inventory.changed`, `price.changed` and `order.placed`, with the
 * contract's payloads. Events are a live feed: one raised while the broker
 * is unreachable is dropped (and counted), not queued; the next change
 * carries the current value anyway.
 */
export class EventsPublisher {
  readonly #options: EventsPublisherOptions;
  readonly #channel: LinkedChannel;
  readonly #listeners = ROUTING_KEYS.map(
    (key) => [key, (event: Payload) => this.#publish(key, event)] as const,
  );
  #published = 0;
  #dropped = 0;

  constructor(options: EventsPublisherOptions) {
    this.#options = options;
    this.#channel = options.link.channel(async (channel) => {
      await channel.assertExchange(options.exchange, "topic", { durable: true });
    });
    for (const [key, listener] of this.#listeners) options.events.on(key, listener);
  }

  get stats(): { published: number; dropped: number } {
    return { published: this.#published, dropped: this.#dropped };
  }

  close(): void {
    for (const [key, listener] of this.#listeners) this.#options.events.off(key, listener);
  }

  #publish(routingKey: string, payload: Payload): void {
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
