import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import {
  answerClientError,
  type EdgeServerOptions,
  edgeServerOptions,
  guardRequestTarget,
} from "../http/edge-server.js";

export interface EdgeTestServer {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `app` on 127.0.0.1 (port 0) with the same server options, target guard and client-error answers as `runBff`. */
export async function serveEdge(
  app: RequestListener,
  options: EdgeServerOptions = {},
): Promise<EdgeTestServer> {
  const server = createServer(edgeServerOptions(options), guardRequestTarget(app));
  server.on("clientError", answerClientError);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RawAnswer {
  /** 0 when the connection closed without an answer. */
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** ms from connecting until the server closed the connection (or `waitMs` passed). */
  readonly ms: number;
  /** True when the server closed the connection within `waitMs`. */
  readonly closed: boolean;
}

export interface RawOptions {
  /** Give up (and destroy the socket) after this long; default 5000 ms. */
  waitMs?: number;
  /** Resolve as soon as one complete answer arrived, without waiting for the close. */
  firstAnswer?: boolean;
  /** Bytes written after connecting, at the given delays (ms after the previous write). */
  trickle?: readonly (readonly [number, string | Buffer])[];
}

/**
 * Writes `payload` as is to a fresh TCP connection and reads what comes
 * back: for requests no HTTP client would send (bad bytes, CRLF in headers,
 * oversized lines, slow writers).
 */
export function rawRequest(
  port: number,
  payload: string | Buffer,
  options: RawOptions = {},
): Promise<RawAnswer> {
  const { waitMs = 5_000, firstAnswer = false, trickle = [] } = options;
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    const timers: NodeJS.Timeout[] = [];
    let settled = false;
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(payload);
      let at = 0;
      for (const [delay, bytes] of trickle) {
        at += delay;
        timers.push(
          setTimeout(() => {
            if (!socket.destroyed) socket.write(bytes);
          }, at),
        );
      }
    });
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ ...parseAnswer(Buffer.concat(chunks)), ms: performance.now() - started, closed });
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (firstAnswer && isComplete(Buffer.concat(chunks))) finish(false);
    });
    socket.on("error", () => {});
    socket.on("close", () => finish(true));
    const giveUp = setTimeout(() => finish(false), waitMs);
  });
}

function parseAnswer(bytes: Buffer): Pick<RawAnswer, "status" | "headers" | "body"> {
  const text = bytes.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return { status: 0, headers: {}, body: "" };
  const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const status = Number(statusLine.split(" ")[1] ?? 0);
  const length = headers["content-length"];
  const rest = bytes.subarray(Buffer.byteLength(text.slice(0, end + 4), "latin1"));
  const body = (length === undefined ? rest : rest.subarray(0, Number(length))).toString("utf8");
  return { status, headers, body };
}

function isComplete(bytes: Buffer): boolean {
  const text = bytes.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
  return length === null || bytes.length - (end + 4) >= Number(length[1]);
}
