import {
  brokerAddress,
  brokerUrlVia,
  eventually,
  requireBroker,
  startTcpProxy,
  type TcpProxy,
  uniqueName,
} from "@portico/test-support";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BrokerConnection, type BrokerEvent } from "./broker-connection.js";

// The real broker (AMQP_URL or 127.0.0.1:5672), reached through a TCP proxy the test can cut.
beforeAll(async () => {
  await requireBroker();
});

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("BrokerConnection against RabbitMQ", () => {
  let proxy: TcpProxy;

  async function viaProxy(events?: BrokerEvent[]): Promise<BrokerConnection> {
    proxy = await startTcpProxy(brokerAddress());
    const broker = new BrokerConnection({
      url: brokerUrlVia(proxy.port),
      name: "portico-test",
      heartbeatS: 1,
      backoff: { initialMs: 20, maxMs: 200 },
      ...(events ? { onEvent: (event: BrokerEvent) => events.push(event) } : {}),
    });
    cleanups.push(() => proxy.close());
    cleanups.push(() => broker.close());
    return broker;
  }

  it("connects on the first channel and runs its setup", async () => {
    const broker = await viaProxy();
    const queue = uniqueName("setup");
    let setups = 0;
    const channel = broker.channel({
      name: "t",
      setup: async (ch) => {
        setups++;
        await ch.assertQueue(queue, { exclusive: true });
      },
    });
    await eventually(() => channel.current !== undefined);
    expect(broker.state).toBe("connected");
    expect(setups).toBe(1);
    const { queue: checked } = await (channel.current as NonNullable<typeof channel.current>).checkQueue(
      queue,
    );
    expect(checked).toBe(queue);
  });

  it("reconnects after the link dies and runs every channel's setup again", async () => {
    const events: BrokerEvent[] = [];
    const broker = await viaProxy(events);
    let setups = 0;
    let lost = 0;
    const channel = broker.channel({
      name: "t",
      setup: async () => {
        setups++;
      },
      onLost: () => {
        lost++;
      },
    });
    await eventually(() => channel.current !== undefined);
    await proxy.setMode("reset");
    await eventually(() => channel.current === undefined);
    expect(lost).toBe(1);
    expect(broker.state).toBe("connecting");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(channel.current).toBeUndefined();
    await proxy.setMode("forward");
    await eventually(() => channel.current !== undefined);
    expect(setups).toBe(2);
    expect(events.map((e) => e.type)).toContain("disconnected");
  });

  it("re-creates a channel the broker closed, on the same connection", async () => {
    const broker = await viaProxy();
    let setups = 0;
    const channel = broker.channel({
      name: "t",
      setup: async () => {
        setups++;
      },
    });
    await eventually(() => channel.current !== undefined);
    const first = channel.current as NonNullable<typeof channel.current>;
    // A passive check of a missing queue makes the broker close the channel (404).
    await first.checkQueue(uniqueName("missing")).catch(() => {});
    await eventually(() => channel.current !== undefined && channel.current !== first);
    expect(setups).toBe(2);
    expect(broker.state).toBe("connected");
  });

  it("retries a setup that fails, without giving up", async () => {
    const broker = await viaProxy();
    let calls = 0;
    const channel = broker.channel({
      name: "t",
      setup: async () => {
        calls++;
        if (calls < 3) throw new Error("not yet");
      },
    });
    await eventually(() => channel.current !== undefined);
    expect(calls).toBe(3);
  });

  it("closes within a bound even when the link has gone silent", async () => {
    const broker = await viaProxy();
    const channel = broker.channel({ name: "t", setup: async () => {} });
    await eventually(() => channel.current !== undefined);
    await proxy.setMode("blackhole");
    const started = performance.now();
    await channel.close();
    await broker.close();
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it("closes for good: no reconnect, channels gone", async () => {
    const broker = await viaProxy();
    const states: string[] = [];
    broker.onStateChange((state) => states.push(state));
    const channel = broker.channel({ name: "t", setup: async () => {} });
    await eventually(() => channel.current !== undefined);
    await broker.close();
    expect(channel.current).toBeUndefined();
    expect(broker.state).toBe("closed");
    expect(states.at(-1)).toBe("closed");
    expect(() => broker.channel({ name: "late", setup: async () => {} })).toThrow(/closed/);
  });
});
