import type { FaultState } from "../faults/fault-state.js";
import type { RequestRecorder } from "../recording/request-recorder.js";
import type { DemoStore } from "../store/demo-store.js";
import { AmqpLink } from "./amqp-link.js";
import { EventsPublisher } from "./events-publisher.js";
import { ShippingConsumer } from "./shipping-consumer.js";

/** The demo's broker side (README, "AMQP"). */
export interface DemoAmqpOptions {
  readonly url: string;
  /** Answer shipping requests on `shippingQueue` (`SHIPPING_TRANSPORT=amqp`). */
  readonly shippingConsumer: boolean;
  readonly shippingQueue: string;
  readonly eventsExchange: string;
  /** Where warnings go (broker lost, back); one JSON line each. */
  readonly log?: (line: string) => void;
}

export interface DemoAmqp {
  /** True while connected to the broker. */
  readonly connected: boolean;
  close(): Promise<void>;
}

export interface DemoAmqpDeps {
  readonly store: DemoStore;
  /** The shipping service's faults, when shipping runs in this process (else no consumer). */
  readonly shippingFaults: FaultState | undefined;
  readonly recorder: RequestRecorder;
}

/**
 * Connects the demo shop to the broker: the events publisher always, the
 * shipping consumer when asked and shipping runs here. Resolves after the
 * first connection attempt: with the broker up, the queue is served once
 * this returns; with it down, the demo starts anyway and keeps retrying.
 */
export async function startDemoAmqp(options: DemoAmqpOptions, deps: DemoAmqpDeps): Promise<DemoAmqp> {
  const link = new AmqpLink({
    url: options.url,
    name: "portico-demo-services",
    ...(options.log ? { log: options.log } : {}),
  });
  const publisher = new EventsPublisher({
    link,
    exchange: options.eventsExchange,
    events: deps.store.events,
  });
  const consumer =
    options.shippingConsumer && deps.shippingFaults !== undefined
      ? new ShippingConsumer({
          link,
          queue: options.shippingQueue,
          store: deps.store,
          faults: deps.shippingFaults,
          recorder: deps.recorder,
        })
      : undefined;
  await link.start();
  return {
    get connected() {
      return link.connected;
    },
    async close() {
      publisher.close();
      consumer?.close();
      await link.close();
    },
  };
}
