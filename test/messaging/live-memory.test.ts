import {
  BROKER_URL,
  deleteBrokerNames,
  eventually,
  requireBroker,
  rssOf,
  uniqueBrokerNames,
} from "@portico/test-support";
import amqp, { type Channel, type ChannelModel } from "amqplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { useStack } from "../support/stack.js";
import { type LiveClient, openLive } from "./live-support.js";

const MiB = 1024 * 1024;

describe("web-bff /live memory under 200 idle sockets and one that stops reading", () => {
  const names = uniqueBrokerNames();
  const env = { AMQP_URL: BROKER_URL, ...names.env };
  let publisher: ChannelModel;
  let channel: Channel;
  const idle: LiveClient[] = [];

  beforeAll(async () => {
    await requireBroker();
  });
  // Registered before the stack: runs once it stopped.
  afterAll(async () => {
    await publisher?.close().catch(() => {});
    await deleteBrokerNames({ exchanges: [names.exchange] });
  });
  // The default 1 MiB bound per socket: what is tested is the shipped setting.
  const stack = useStack({ app: "web-bff", shopEnv: env, bffEnv: env });
  afterAll(() => {
    for (const client of idle) client.close();
  });

  beforeAll(async () => {
    publisher = await amqp.connect(BROKER_URL);
    channel = await publisher.createChannel();
    await channel.assertExchange(names.exchange, "topic", { durable: true });
  });

  it("drops the slow socket and stays bounded, while the idle ones stay connected", async () => {
    // 200 idle sockets, spread over 20 products nobody changes.
    for (let batch = 0; batch < 10; batch++) {
      idle.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, i) => openLive(stack.bff.url, `idle-${batch}-${i}`)),
        )),
      );
    }
    await eventually(
      () => idle.every((c) => c.messages.some((m) => m.type === "status" && m.live === true)),
      {
        timeoutMs: 10_000,
        intervalMs: 50,
      },
    );

    // The longest id there is, so each frame is as large as an event can make it (~140 bytes).
    const hot = "h".repeat(64);
    const slow = await openLive(stack.bff.url, hot);
    await slow.next((m) => m.type === "status" && m.live === true);
    // A client that does not read cannot see its socket close either: ask the BFF.
    // Retried: while the BFF is busy relaying a burst, its load shedding may answer 503.
    const liveStats = () =>
      eventually(
        async () => {
          const response = await fetch(`${stack.bff.url}/admin/live`);
          if (response.status !== 200) return undefined;
          return (await response.json()) as {
            hub: { sockets: number; droppedSlow: number; droppedDead: number };
            relay: { received: number };
          };
        },
        { timeoutMs: 20_000, intervalMs: 50, what: "GET /admin/live" },
      );
    expect((await liveStats()).hub.sockets).toBe(201);
    // Stop reading: the socket's receive window fills, then the BFF's send buffer.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();

    const pid = stack.bff.child.pid as number;
    const event = Buffer.from(JSON.stringify({ productId: hot, available: 7 }));
    const frameBytes = JSON.stringify({
      type: "inventory",
      productId: hot,
      available: 7,
      lowStock: false,
    }).length;
    const publish = async (count: number) => {
      for (let sent = 0; sent < count; sent += 2000) {
        for (let i = 0; i < 2000; i++) channel.publish(names.exchange, "inventory.changed", event);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const settled = async () => {
      // Until the BFF has taken everything the broker holds for it.
      let last = -1;
      for (;;) {
        const { received } = (await liveStats()).relay;
        if (received === last) return;
        last = received;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    };

    const before = await rssOf(pid);
    // Phase 1: publish until the BFF gives up on the slow socket.
    let published = 0;
    const started = Date.now();
    let dropped = false;
    while (!dropped && Date.now() - started < 60_000) {
      await publish(20_000);
      published += 20_000;
      dropped = (await liveStats()).hub.droppedSlow === 1;
    }
    expect(dropped).toBe(true);
    await settled();
    const atDrop = await rssOf(pid);

    // Phase 2: many more events for that product. Had the socket been kept, every one of
    // these frames would sit in its send buffer: more than 40 MiB.
    const more = 340_000;
    await publish(more);
    await settled();
    const after = await rssOf(pid);
    expect(more * frameBytes).toBeGreaterThan(40 * 1024 * 1024);
    // Generous margins on a noisy machine; without the bound phase 2 alone would add 40+ MiB.
    expect(atDrop - before).toBeLessThan(48 * MiB);
    expect(after - atDrop).toBeLessThan(16 * MiB);

    // The idle sockets were neither dropped nor starved.
    expect(idle.every((c) => c.ws.readyState === WebSocket.OPEN)).toBe(true);
    expect((await liveStats()).hub).toMatchObject({ sockets: 200, droppedSlow: 1, droppedDead: 0 });
    const response = await fetch(`${stack.bff.url}/healthz`);
    expect(response.status).toBe(200);
    console.info(
      `live memory: slow socket dropped after ${published} events of ${frameBytes} B; RSS before ` +
        `${(before / MiB).toFixed(1)} MiB, at the drop ${(atDrop / MiB).toFixed(1)} MiB, ` +
        `after ${more} more ${(after / MiB).toFixed(1)} MiB`,
    );
  }, 120_000);
});
