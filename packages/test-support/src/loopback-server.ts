import http from "node:http";
import type { AddressInfo } from "node:net";

/** A server listening on 127.0.0.1 at a free port. */
export interface LoopbackServer {
  readonly server: http.Server;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Ends every connection (hanging ones too) and stops listening. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1, port 0, with `target`: a request listener (an
 * express app, a handler) or a server already set up.
 *
 * ```ts
 * const app = await listenOnLoopback(createApp(gateway));
 * await fetch(`${app.url}/healthz`);
 * await app.close();
 * ```
 */
export async function listenOnLoopback(target: http.RequestListener | http.Server): Promise<LoopbackServer> {
  const server = target instanceof http.Server ? target : http.createServer(target);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
