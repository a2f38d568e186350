import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eventually } from "@portico/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type SocketDropReason, SocketHub, type SocketHubOptions } from "./socket-hub.js";

interface Harness {
  hub: SocketHub;
  url: string;
  drops: Array<[SocketDropReason, string]>;
}

const servers: Server[] = [];
const hubs: SocketHub[] = [];
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await Promise.all(hubs.splice(0).map((hub) => hub.close(1001, "bye", 100)));
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** A real HTTP server whose upgrades join the hub, topic = the `t` query parameter. */
async function harness(options: SocketHubOptions = {}): Promise<Harness> {
  const drops: Array<[SocketDropReason, string]> = [];
  const hub = new SocketHub({ ...options, onDrop: (reason, topic) => drops.push([reason, topic]) });
  const server = createServer((_req, res) => res.end());
  server.on("upgrade", (req, socket, head) => {
    const topic = new URL(req.url ?? "/", "http://x").searchParams.get("t") ?? "none";
    hub.accept(req, socket, head, topic, { headers: ["X-Test: yes"], greeting: { type: "hello", topic } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  hubs.push(hub);
  return { hub, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, drops };
}

interface Client {
  ws: WebSocket;
  messages: unknown[];
  upgradeHeaders: Record<string, unknown>;
}

async function connect(url: string, topic: string, options: { autoPong?: boolean } = {}): Promise<Client> {
  const ws = new WebSocket(`${url}/?t=${topic}`, options);
  clients.push(ws);
  const messages: unknown[] = [];
  ws.on("message", (data) => messages.push(JSON.parse(String(data))));
  let upgradeHeaders: Record<string, unknown> = {};
  ws.once("upgrade", (res) => {
    upgradeHeaders = res.headers;
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return { ws, messages, upgradeHeaders };
}

describe("SocketHub", () => {
  it("greets a socket and sends it only its topic's messages", async () => {
    const { hub, url } = await harness();
    const a = await connect(url, "p1");
    const b = await connect(url, "p2");
    expect(a.upgradeHeaders["x-test"]).toBe("yes");
    await eventually(() => a.messages.length === 1 && b.messages.length === 1);
    expect(a.messages[0]).toEqual({ type: "hello", topic: "p1" });

    expect(hub.publish("p1", { n: 1 })).toBe(1);
    expect(hub.publish("nobody", { n: 2 })).toBe(0);
    await eventually(() => a.messages.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.messages[1]).toEqual({ n: 1 });
    expect(b.messages).toHaveLength(1);
    expect(hub.stats()).toMatchObject({ sockets: 2, topics: 2 });
  });

  it("fans one message out to every socket of a topic, and broadcasts to all", async () => {
    const { hub, url } = await harness();
    const many = await Promise.all(Array.from({ length: 50 }, () => connect(url, "hot")));
    const other = await connect(url, "cold");
    expect(hub.publish("hot", { type: "inventory" })).toBe(50);
    await eventually(() => many.every((c) => c.messages.length === 2));
    expect(hub.broadcast({ type: "status", live: false })).toBe(51);
    await eventually(() => other.messages.length === 2 && many.every((c) => c.messages.length === 3));
  });

  it("forgets a socket that closed", async () => {
    const { hub, url } = await harness();
    const a = await connect(url, "p1");
    expect(hub.size).toBe(1);
    a.ws.close();
    await eventually(() => hub.size === 0);
    expect(hub.stats().topics).toBe(0);
  });

  it("drops a socket that stops reading instead of buffering without bound", async () => {
    const { hub, url, drops } = await harness({ maxBufferedBytes: 64 * 1024 });
    const slow = await connect(url, "p1");
    const fast = await connect(url, "p1");
    // Stop reading: the kernel buffers fill, then the hub's send buffer.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    let fastClosed = false;
    fast.ws.on("close", () => {
      fastClosed = true;
    });
    const payload = { type: "inventory", padding: "x".repeat(1000) };
    for (let i = 0; i < 20_000 && drops.length === 0; i++) {
      hub.publish("p1", payload);
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(drops).toEqual([["slow", "p1"]]);
    expect(hub.stats().droppedSlow).toBe(1);
    expect(hub.size).toBe(1);
    expect(fastClosed).toBe(false);
  });

  it("cuts a peer that stops answering pings, keeps one that answers", async () => {
    const { hub, url, drops } = await harness({ heartbeatMs: 100 });
    const dead = await connect(url, "p1", { autoPong: false });
    const alive = await connect(url, "p1");
    let deadClosed = false;
    dead.ws.on("close", () => {
      deadClosed = true;
    });
    await eventually(() => deadClosed, 3000);
    expect(drops).toEqual([["dead", "p1"]]);
    expect(hub.size).toBe(1);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("says when it is full", async () => {
    const { hub, url } = await harness({ maxSockets: 2 });
    await connect(url, "a");
    expect(hub.full).toBe(false);
    await connect(url, "b");
    expect(hub.full).toBe(true);
  });

  it("closes every socket with 1001 going away", async () => {
    const { hub, url } = await harness();
    const a = await connect(url, "p1");
    const code = new Promise<number>((resolve) => a.ws.once("close", (c) => resolve(c)));
    await hub.close();
    expect(await code).toBe(1001);
    expect(hub.full).toBe(true);
  });

  it("refuses frames larger than its payload limit by closing the socket", async () => {
    const { url } = await harness({ maxPayloadBytes: 128 });
    const a = await connect(url, "p1");
    const code = new Promise<number>((resolve) => a.ws.once("close", (c) => resolve(c)));
    a.ws.send("x".repeat(1000));
    expect(await code).toBe(1009);
  });
});
