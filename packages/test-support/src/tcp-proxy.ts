import net from "node:net";

/**
 * What the proxy does with connections, open and new:
 * - `forward`: passes bytes both ways (the start mode);
 * - `reset`: resets every open connection, and each new one at once (a crashed or restarting server);
 * - `refuse`: resets open connections and stops listening, so connecting fails with ECONNREFUSED (a server that is down);
 * - `blackhole`: open connections stay open but nothing passes either way, and new ones are accepted but
 *   never connected (a dead network path, a hung server).
 */
export type ProxyMode = "forward" | "reset" | "refuse" | "blackhole";

/**
 * A TCP proxy on 127.0.0.1 that a test controls, to take a shared server
 * (the broker, Redis, etcd) away from the code under test and give it back,
 * without ever stopping the server itself.
 */
export interface TcpProxy {
  readonly port: number;
  /** `127.0.0.1:<port>`, to put in a URL. */
  readonly address: string;
  readonly mode: ProxyMode;
  /** Connections currently forwarded (not counting black-holed ones). */
  readonly connections: number;
  /**
   * Switches mode; resolves once it holds (the port closed, or listening again).
   * Leaving `blackhole` destroys the frozen connections, as a timeout on a real network would.
   */
  setMode(mode: ProxyMode): Promise<void>;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

interface Link {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
}

/**
 * Starts a proxy to `target` on a free loopback port, in `forward` mode.
 *
 * ```ts
 * const proxy = await startTcpProxy(brokerAddress());
 * const broker = new BrokerConnection({ url: brokerUrlVia(proxy.port) });
 * await proxy.setMode("reset"); // the broker is "gone"
 * await proxy.setMode("forward"); // and back
 * ```
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = "forward";
  const links = new Set<Link>();
  const frozen = new Set<net.Socket>();

  // Holds a client socket open and silent: it reads nothing and hears nothing.
  const freeze = (socket: net.Socket) => {
    socket.unpipe();
    socket.pause();
    frozen.add(socket);
    socket.once("close", () => frozen.delete(socket));
  };

  const server = net.createServer((client) => {
    client.on("error", () => {});
    if (mode === "reset") {
      client.resetAndDestroy();
      return;
    }
    if (mode === "blackhole") {
      // Accepted, then nothing: the peer waits for an answer that never comes.
      freeze(client);
      return;
    }
    const upstream = net.connect(target);
    const link: Link = { client, upstream };
    links.add(link);
    // Only a forwarded link ends both sides; a frozen client outlives its upstream.
    const end = () => {
      if (!links.delete(link)) return;
      client.destroy();
      upstream.destroy();
    };
    upstream.on("error", end).on("close", end);
    client.on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;

  const resetAll = () => {
    const open = [...links];
    links.clear();
    for (const { client, upstream } of open) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    for (const socket of frozen) socket.resetAndDestroy();
    frozen.clear();
  };
  const freezeAll = () => {
    const open = [...links];
    links.clear();
    for (const link of open) {
      link.client.unpipe(link.upstream);
      link.upstream.unpipe(link.client);
      link.upstream.destroy();
      freeze(link.client);
    }
  };
  const stopListening = () =>
    new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });

  return {
    port,
    address: `127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    get connections() {
      return links.size;
    },
    async setMode(next: ProxyMode) {
      const previous = mode;
      mode = next;
      if (next === "reset") {
        resetAll();
      } else if (next === "refuse") {
        resetAll();
        await stopListening();
      } else if (next === "blackhole") {
        freezeAll();
      } else {
        for (const socket of frozen) socket.destroy();
        frozen.clear();
      }
      if (previous === "refuse" && next !== "refuse") await listen();
    },
    async close() {
      mode = "refuse";
      resetAll();
      await stopListening();
    },
  };
}
