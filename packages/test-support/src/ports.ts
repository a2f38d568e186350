import net from "node:net";

/** A loopback port nothing listens on: connecting to it is refused (until someone takes it). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `http://127.0.0.1:<port>` of a {@link closedPort}: a base URL whose connections are refused. */
export async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await closedPort()}`;
}

/**
 * A loopback port free right now, for a server that needs its number up
 * front (nginx): racy by nature, so prefer listening on port 0 when you can.
 */
export const freePort: () => Promise<number> = closedPort;
