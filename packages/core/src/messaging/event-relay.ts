import type { BrokerConnection } from "./broker-connection.js";
import type { SocketHub } from "./socket-hub.js";
import { TopicSubscriber } from "./topic-subscriber.js";

/** Where one broker message goes: the hub topic and what its sockets receive. */
export interface RelayRoute {
  readonly topic: string;
  readonly message: unknown;
}

/** Options of {@link EventRelay}. */
export interface EventRelayOptions {
  readonly broker: BrokerConnection;
  readonly hub: SocketHub;
  /** The topic exchange to listen to. */
  readonly exchange: string;
  readonly routingKeys: readonly string[];
  /** Validates and maps one broker message; undefined drops it (unknown key, bad payload). */
  readonly route: (routingKey: string, content: Buffer) => RelayRoute | undefined;
  /**
   * Sent to every socket when the relay starts or stops receiving (broker
   * lost or back), and to each new socket as it joins. Default
   * `{ type: "status", live }`.
   */
  readonly statusMessage?: (live: boolean) => unknown;
}

/** Counters of a relay. */
export interface EventRelayStats {
  readonly live: boolean;
  readonly received: number;
  readonly relayed: number;
  readonly rejected: number;
}

/**
 * One broker consumer per process that fans events out to many sockets:
 * a {@link TopicSubscriber} on the exchange feeding a {@link SocketHub}.
 * However many clients watch, the broker sees one queue and one consumer.
 */
export class EventRelay {
  readonly #subscriber: TopicSubscriber;
  readonly #status: (live: boolean) => unknown;
  #received = 0;
  #relayed = 0;
  #rejected = 0;

  constructor(options: EventRelayOptions) {
    const { broker, hub, exchange, routingKeys, route } = options;
    this.#status = options.statusMessage ?? ((live) => ({ type: "status", live }));
    this.#subscriber = new TopicSubscriber(broker, {
      name: "event-relay",
      exchange,
      routingKeys,
      onMessage: (routingKey, content) => {
        this.#received++;
        const routed = route(routingKey, content);
        if (routed === undefined) {
          this.#rejected++;
          return;
        }
        this.#relayed++;
        hub.publish(routed.topic, routed.message);
      },
      onStateChange: (live) => hub.broadcast(this.#status(live)),
    });
  }

  /** True while events flow from the broker. */
  get live(): boolean {
    return this.#subscriber.ready;
  }

  /** What a socket joining now should be told first. */
  statusMessage(): unknown {
    return this.#status(this.live);
  }

  stats(): EventRelayStats {
    return { live: this.live, received: this.#received, relayed: this.#relayed, rejected: this.#rejected };
  }

  async close(): Promise<void> {
    await this.#subscriber.close();
  }
}
