import type { BrokerConnection, ManagedChannel } from "./broker-connection.js";

/** Options of {@link TopicSubscriber}. */
export interface TopicSubscriberOptions {
  /** The topic exchange to listen to (declared durable if missing). */
  readonly exchange: string;
  /** Routing keys (or patterns) to bind. */
  readonly routingKeys: readonly string[];
  /** Told of every message; must not throw. */
  readonly onMessage: (routingKey: string, content: Buffer) => void;
  /** Told when the subscription starts or stops receiving (broker lost, then back). */
  readonly onStateChange?: (ready: boolean) => void;
  /** Most messages the private queue holds while this process is slow; older ones are dropped. Default 10000. */
  readonly maxQueueLength?: number;
  /** Names the channel in events. Default `topic-subscriber`. */
  readonly name?: string;
}

/**
 * Listens to a topic exchange through a private, server-named queue
 * (exclusive, deleted with the connection), bound to the routing keys.
 * The queue and bindings are declared again on every reconnect, so the
 * subscription survives broker outages; messages published while it was
 * away are not seen (events are a live feed, not a log).
 */
export class TopicSubscriber {
  readonly #channel: ManagedChannel;
  #ready = false;

  constructor(broker: BrokerConnection, options: TopicSubscriberOptions) {
    const { exchange, routingKeys, onMessage, onStateChange, maxQueueLength = 10_000 } = options;
    const setReady = (ready: boolean) => {
      if (this.#ready === ready) return;
      this.#ready = ready;
      onStateChange?.(ready);
    };
    this.#channel = broker.channel({
      name: options.name ?? "topic-subscriber",
      setup: async (channel) => {
        await channel.assertExchange(exchange, "topic", { durable: true });
        const { queue } = await channel.assertQueue("", {
          exclusive: true,
          autoDelete: true,
          durable: false,
          arguments: { "x-max-length": maxQueueLength },
        });
        for (const key of routingKeys) await channel.bindQueue(queue, exchange, key);
        await channel.consume(
          queue,
          (message) => {
            if (message !== null) onMessage(message.fields.routingKey, message.content);
          },
          { noAck: true },
        );
      },
      onReady: () => setReady(true),
      onLost: () => setReady(false),
    });
  }

  /** True while bound and consuming. */
  get ready(): boolean {
    return this.#ready;
  }

  async close(): Promise<void> {
    await this.#channel.close();
    this.#ready = false;
  }
}
