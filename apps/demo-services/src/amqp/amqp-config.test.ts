import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/config-error.js";
import { parseConfig } from "../config/parse-config.js";
import { parseAmqpConfig } from "./amqp-config.js";

describe("parseAmqpConfig", () => {
  it("is off without AMQP_URL", () => {
    expect(parseAmqpConfig({})).toBeUndefined();
    expect(parseConfig({}).amqp).toBeUndefined();
  });

  it("publishes events with AMQP_URL, and serves shipping on its queue with SHIPPING_TRANSPORT=amqp", () => {
    expect(parseAmqpConfig({ AMQP_URL: "amqp://guest:guest@127.0.0.1:5672" })).toEqual({
      url: "amqp://guest:guest@127.0.0.1:5672",
      shippingConsumer: false,
      shippingQueue: "shipping.quotes",
      eventsExchange: "shop.events",
    });
    expect(
      parseAmqpConfig({
        AMQP_URL: "amqp://broker",
        SHIPPING_TRANSPORT: "amqp",
        AMQP_SHIPPING_QUEUE: "test.q",
        AMQP_EVENTS_EXCHANGE: "test.x",
      }),
    ).toMatchObject({ shippingConsumer: true, shippingQueue: "test.q", eventsExchange: "test.x" });
  });

  it("names the variable of a bad value, never echoing a URL's password", () => {
    const refused = (env: Record<string, string>) => {
      try {
        parseAmqpConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return error as ConfigError;
      }
      throw new Error("expected a ConfigError");
    };
    expect(refused({ SHIPPING_TRANSPORT: "amqp" }).variable).toBe("AMQP_URL");
    expect(refused({ SHIPPING_TRANSPORT: "kafka" }).variable).toBe("SHIPPING_TRANSPORT");
    const url = refused({ AMQP_URL: "http://user:hunter2@broker" });
    expect(url.variable).toBe("AMQP_URL");
    expect(url.message).not.toContain("hunter2");
    expect(refused({ AMQP_URL: "amqp://b", AMQP_SHIPPING_QUEUE: "amq.gen" }).variable).toBe(
      "AMQP_SHIPPING_QUEUE",
    );
    expect(refused({ AMQP_URL: "amqp://b", AMQP_EVENTS_EXCHANGE: "a b" }).variable).toBe(
      "AMQP_EVENTS_EXCHANGE",
    );
  });
});
