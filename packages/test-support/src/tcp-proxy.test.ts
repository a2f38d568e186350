import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "./eventually.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An echo server on loopback, and the proxy in front of it. */
async function echoBehindProxy(): Promise<{ proxy: TcpProxy; accepted: () => number }> {
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    socket.on("error", () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as net.AddressInfo;
  const proxy = await startTcpProxy({ host: "127.0.0.1", port });
  cleanups.push(() => proxy.close());
  return { proxy, accepted: () => accepted };
}

interface Client {
  readonly socket: net.Socket;
  readonly received: () => string;
  /** Resolves with the error code the socket ended with, or "closed" for a clean close. */
  readonly ended: Promise<string>;
}

async function connect(port: number): Promise<Client> {
  const socket = net.connect(port, "127.0.0.1");
  let text = "";
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  let error: string | undefined;
  socket.on("error", (e: NodeJS.ErrnoException) => {
    error = e.code ?? String(e);
  });
  const ended = new Promise<string>((resolve) => socket.once("close", () => resolve(error ?? "closed")));
  cleanups.push(() => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return { socket, received: () => text, ended };
}

/** The code connecting fails with, or "connected". */
const connectOutcome = (port: number) =>
  connect(port).then(
    () => "connected",
    (e: NodeJS.ErrnoException) => e.code,
  );

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("startTcpProxy", () => {
  it("forwards bytes both ways and counts its connections", async () => {
    const { proxy } = await echoBehindProxy();
    expect(proxy.mode).toBe("forward");
    expect(proxy.address).toBe(`127.0.0.1:${proxy.port}`);
    const client = await connect(proxy.port);
    client.socket.write("ping");
    await eventually(() => client.received() === "ping");
    expect(proxy.connections).toBe(1);
  });

  it("reset: resets open connections and every new one at once, until forwarding again", async () => {
    const { proxy } = await echoBehindProxy();
    const open = await connect(proxy.port);
    await proxy.setMode("reset");
    expect(await open.ended).toBe("ECONNRESET");
    const refused = net.connect(proxy.port, "127.0.0.1");
    const code = await new Promise<string>((resolve) => {
      refused.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? ""));
      refused.once("close", () => resolve("closed"));
    });
    expect(code).toBe("ECONNRESET");
    expect(proxy.connections).toBe(0);
    await proxy.setMode("forward");
    const again = await connect(proxy.port);
    again.socket.write("back");
    await eventually(() => again.received() === "back");
  });

  it("refuse: stops listening (ECONNREFUSED) and listens on the same port again after", async () => {
    const { proxy } = await echoBehindProxy();
    const open = await connect(proxy.port);
    await proxy.setMode("refuse");
    expect(await open.ended).toBe("ECONNRESET");
    expect(await connectOutcome(proxy.port)).toBe("ECONNREFUSED");
    await proxy.setMode("forward");
    const again = await connect(proxy.port);
    again.socket.write("up");
    await eventually(() => again.received() === "up");
  });

  it("blackhole: open connections hear nothing, new ones are accepted but never connected", async () => {
    const { proxy, accepted } = await echoBehindProxy();
    const open = await connect(proxy.port);
    open.socket.write("a");
    await eventually(() => open.received() === "a");
    await proxy.setMode("blackhole");
    open.socket.write("b");
    const fresh = await connect(proxy.port);
    fresh.socket.write("c");
    await sleep(200);
    expect(open.received()).toBe("a");
    expect(fresh.received()).toBe("");
    expect(open.socket.destroyed).toBe(false);
    expect(fresh.socket.destroyed).toBe(false);
    expect(accepted()).toBe(1);
    // Back to forwarding: the frozen connections are dropped, new ones pass.
    await proxy.setMode("forward");
    expect(await open.ended).toBe("closed");
    expect(await fresh.ended).toBe("closed");
    const again = await connect(proxy.port);
    again.socket.write("d");
    await eventually(() => again.received() === "d");
  });

  it("closes promptly with connections open in every state", async () => {
    const { proxy } = await echoBehindProxy();
    const forwarded = await connect(proxy.port);
    await proxy.setMode("blackhole");
    const frozen = await connect(proxy.port);
    const started = performance.now();
    await proxy.close();
    expect(performance.now() - started).toBeLessThan(500);
    await Promise.all([forwarded.ended, frozen.ended]);
    expect(await connectOutcome(proxy.port)).toBe("ECONNREFUSED");
  });
});
