import net from "node:net";

/** How a cut looks to the two sides. */
export type CutMode =
  /** Every proxied connection is destroyed and new ones are reset at once: a crashed or restarted broker. */
  | "reset"
  /** Connections stay open but nothing passes either way, and new ones are accepted but never connected: a dead network path. */
  | "blackhole";

/**
 * A TCP proxy on 127.0.0.1 that a test controls, to take a shared server
 * (the broker) away from the processes under test and give it back,
 * without ever stopping the server itself.
 */
export interface TcpProxy {
  readonly port: number;
  /** `host:port` to put in a URL. */
  readonly address: string;
  /** Connections currently proxied. */
  readonly connections: number;
  /** Takes the target away (default `reset`). */
  cut(mode?: CutMode): void;
  /** Lets new connections through again (black-holed ones are destroyed, as a real timeout would). */
  restore(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: CutMode | undefined;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket | undefined }>();
  const stalled = new Set<net.Socket>();

  const server = net.createServer((client) => {
    client.on("error", () => {});
    if (mode === "reset") {
      client.resetAndDestroy();
      return;
    }
    if (mode === "blackhole") {
      // Accept, then say nothing: the peer waits for a handshake that never comes.
      stalled.add(client);
      client.on("close", () => stalled.delete(client));
      return;
    }
    const upstream = net.connect(target);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    upstream.on("error", end).on("close", end);
    client.on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;

  const destroyAll = () => {
    for (const { client, upstream } of pairs) {
      client.resetAndDestroy();
      upstream?.destroy();
    }
    pairs.clear();
    for (const socket of stalled) socket.destroy();
    stalled.clear();
  };

  return {
    port,
    address: `127.0.0.1:${port}`,
    get connections() {
      return pairs.size;
    },
    cut(next: CutMode = "reset") {
      mode = next;
      if (next === "reset") {
        destroyAll();
        return;
      }
      for (const { client, upstream } of pairs) {
        client.unpipe();
        upstream?.unpipe();
        client.pause();
        upstream?.pause();
        stalled.add(client);
        if (upstream) stalled.add(upstream);
      }
      pairs.clear();
    },
    restore() {
      mode = undefined;
      for (const socket of stalled) socket.destroy();
      stalled.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        destroyAll();
        server.close(() => resolve());
      }),
  };
}
