import net from "node:net";

/** How the proxy treats connections: pass them on, refuse them, or swallow them (a hanging server). */
export type ProxyMode = "forward" | "refuse" | "blackhole";

/** A TCP proxy on 127.0.0.1 the test controls: cut, hang and restore a real server's connection. */
export interface TcpProxy {
  readonly port: number;
  readonly mode: ProxyMode;
  /** Switches mode; existing connections are cut (`refuse`), frozen (`blackhole`) or left as they are (`forward`). */
  setMode(mode: ProxyMode): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  readonly client: net.Socket;
  upstream: net.Socket | undefined;
}

/** Starts a proxy to `targetHost:targetPort` on a free loopback port. */
export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  let mode: ProxyMode = "forward";
  const pairs = new Set<Pair>();
  const server = net.createServer((client) => {
    const pair: Pair = { client, upstream: undefined };
    pairs.add(pair);
    client.on("error", () => {});
    client.on("close", () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (mode === "blackhole") return;
    const upstream = net.connect(targetPort, targetHost);
    pair.upstream = upstream;
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => {
      if (pair.upstream === upstream) client.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const listen = () => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const stopListening = () => new Promise<void>((resolve) => server.close(() => resolve()));

  return {
    port,
    get mode() {
      return mode;
    },
    async setMode(next: ProxyMode) {
      const previous = mode;
      mode = next;
      if (next === "refuse") {
        if (previous !== "refuse") await Promise.all([stopListening(), destroyAll()]);
        return;
      }
      if (previous === "refuse") await listen();
      if (next === "blackhole") {
        // Keep the clients' sockets open but answer nothing: a server that hangs.
        for (const pair of pairs) {
          const upstream = pair.upstream;
          pair.upstream = undefined;
          if (upstream !== undefined) {
            pair.client.unpipe(upstream);
            upstream.unpipe(pair.client);
            upstream.destroy();
          }
        }
      } else {
        // Back to forwarding: frozen connections are dropped so clients reconnect.
        for (const pair of pairs) if (pair.upstream === undefined) pair.client.destroy();
      }
    },
    async close() {
      mode = "refuse";
      await Promise.all([stopListening().catch(() => {}), destroyAll()]);
    },
  };

  async function destroyAll(): Promise<void> {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    pairs.clear();
  }
}
