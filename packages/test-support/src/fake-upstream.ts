import type http from "node:http";
import { listenOnLoopback } from "./loopback-server.js";

/** What the fake upstream saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  /** Resolves when the connection closed before this request was answered. */
  readonly closedEarly: Promise<void>;
}

/** How the fake upstream answers; a handler that throws or rejects destroys the connection. */
export type UpstreamHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

/** A programmable upstream on loopback: the far side of a boundary, able to misbehave as a test wants. */
export interface FakeUpstream {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Every request so far, in arrival order; a test may empty it (`requests.length = 0`). */
  readonly requests: SeenRequest[];
  /** Swaps the handler for the next requests. */
  handle(handler: UpstreamHandler): void;
  /** Closes every connection (including hanging ones) and the server. */
  close(): Promise<void>;
}

const notFound: UpstreamHandler = (_req, res) => {
  res.writeHead(404).end();
};

/** Starts a real HTTP server on 127.0.0.1 (port 0) that answers with `handler` (default: 404 to everything). */
export async function startFakeUpstream(handler: UpstreamHandler = notFound): Promise<FakeUpstream> {
  let current = handler;
  const requests: SeenRequest[] = [];
  const { url, port, close } = await listenOnLoopback((req, res) => {
    const closedEarly = new Promise<void>((resolve) => {
      res.on("close", () => {
        if (!res.writableFinished) resolve();
      });
    });
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, closedEarly });
    Promise.resolve()
      .then(() => current(req, res))
      .catch(() => res.destroy());
  });
  return {
    url,
    port,
    requests,
    handle(next) {
      current = next;
    },
    close,
  };
}

/** Sends `body` as JSON (or as given, when it is a string) with `status`. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
