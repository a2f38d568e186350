import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the fake upstream saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  /** Resolves when the connection closed before this request was answered. */
  readonly closedEarly: Promise<void>;
}

export type UpstreamHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export interface FakeUpstream {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Swaps the handler for the next requests. */
  handle(handler: UpstreamHandler): void;
  /** Closes every connection (including hanging ones) and the server. */
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 (port 0) that tests script request by request. */
export async function startFakeUpstream(handler: UpstreamHandler): Promise<FakeUpstream> {
  let current = handler;
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const closedEarly = new Promise<void>((resolve) => {
      res.on("close", () => {
        if (!res.writableFinished) resolve();
      });
    });
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, closedEarly });
    Promise.resolve(current(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends `body` as JSON (or as given, when it is a string) with `status`. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** A base URL nothing listens on: connections to it are refused. */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
