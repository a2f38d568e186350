import { ConfigError } from "../config/config-error.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** The demo's broker settings, when `AMQP_URL` is set. */
export interface DemoAmqpConfig {
  readonly url: string;
  /** `SHIPPING_TRANSPORT=amqp`: shipping also answers on its queue. */
  readonly shippingConsumer: boolean;
  /** `AMQP_SHIPPING_QUEUE`, default `shipping.quotes` (a test/ops knob). */
  readonly shippingQueue: string;
  /** `AMQP_EVENTS_EXCHANGE`, default `shop.events` (a test/ops knob). */
  readonly eventsExchange: string;
}

const NAME = /^[A-Za-z0-9._:-]{1,255}$/;

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === "" ? undefined : raw;
}

function brokerName(env: Env, variable: string, fallback: string): string {
  const name = value(env, variable) ?? fallback;
  if (!NAME.test(name) || name.startsWith("amq.")) {
    throw new ConfigError(
      variable,
      `must be 1-255 of A-Z a-z 0-9 . _ : - and not start with "amq.", got "${name}"`,
    );
  }
  return name;
}

/**
 * Reads `AMQP_URL`, `SHIPPING_TRANSPORT`, `AMQP_SHIPPING_QUEUE` and
 * `AMQP_EVENTS_EXCHANGE`. Undefined without `AMQP_URL` (no broker: the demo
 * stays HTTP-only); `SHIPPING_TRANSPORT=amqp` without it is a config error.
 */
export function parseAmqpConfig(env: Env): DemoAmqpConfig | undefined {
  const url = value(env, "AMQP_URL");
  const transport = value(env, "SHIPPING_TRANSPORT") ?? "http";
  if (transport !== "http" && transport !== "amqp") {
    throw new ConfigError("SHIPPING_TRANSPORT", `must be http or amqp, got "${transport}"`);
  }
  if (url === undefined) {
    if (transport === "amqp") throw new ConfigError("AMQP_URL", "must be set when SHIPPING_TRANSPORT=amqp");
    return undefined;
  }
  if (!/^amqps?:\/\/[^/\s]+/.test(url)) {
    // The value may hold a password: name the rule, not the value.
    throw new ConfigError("AMQP_URL", "must be an amqp:// or amqps:// URL");
  }
  return {
    url,
    shippingConsumer: transport === "amqp",
    shippingQueue: brokerName(env, "AMQP_SHIPPING_QUEUE", "shipping.quotes"),
    eventsExchange: brokerName(env, "AMQP_EVENTS_EXCHANGE", "shop.events"),
  };
}
