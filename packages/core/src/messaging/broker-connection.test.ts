import { brokerUrlVia, closedPort, eventually } from "@portico/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { BrokerConnection, type BrokerEvent } from "./broker-connection.js";

// Nothing listens on these ports: what is tested is how the connection copes without a broker.
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("BrokerConnection without a broker", () => {
  it("stays idle until a channel is asked for", async () => {
    const broker = new BrokerConnection({ url: brokerUrlVia(await closedPort()) });
    cleanups.push(() => broker.close());
    expect(broker.state).toBe("idle");
  });

  it("keeps retrying with growing back-off and never throws into the caller", async () => {
    const events: BrokerEvent[] = [];
    const broker = new BrokerConnection({
      url: brokerUrlVia(await closedPort()),
      backoff: { initialMs: 20, maxMs: 200 },
      onEvent: (event) => events.push(event),
    });
    cleanups.push(() => broker.close());
    const channel = broker.channel({ name: "t", setup: async () => {} });
    expect(channel.current).toBeUndefined();
    await eventually(() => events.filter((e) => e.type === "connect-failed").length >= 4);
    expect(broker.state).toBe("connecting");
    const delays = events.flatMap((e) => (e.type === "connect-failed" ? [e.retryInMs] : []));
    expect(delays[0]).toBeLessThanOrEqual(20);
    expect(Math.max(...delays)).toBeGreaterThan(20);
  });

  it("does not leak the password of the URL into its events", async () => {
    const events: BrokerEvent[] = [];
    const broker = new BrokerConnection({
      url: `amqp://guest:s3cr3t-pw@127.0.0.1:${await closedPort()}`,
      onEvent: (event) => events.push(event),
    });
    cleanups.push(() => broker.close());
    broker.start();
    await eventually(() => events.length > 0);
    expect(JSON.stringify(events.map((e) => ("error" in e ? String(e.error) : e.type)))).not.toContain(
      "s3cr3t-pw",
    );
  });
});
