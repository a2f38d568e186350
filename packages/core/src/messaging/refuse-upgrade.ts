import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { Problem } from "../http/problem.js";

/** Options of {@link refuseUpgrade}. */
export interface RefuseUpgradeOptions {
  /** Extra response headers; values must not contain CR or LF. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Answers a WebSocket upgrade request that will not be accepted with a
 * plain HTTP problem+json response, then closes the connection. The
 * upgrade happens outside express (an HTTP server's `upgrade` event), so
 * this writes the response on the raw socket.
 */
export function refuseUpgrade(socket: Duplex, problem: Problem, options: RefuseUpgradeOptions = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(problem);
  const headers: Record<string, string> = {
    Connection: "close",
    "Content-Type": "application/problem+json",
    "Cache-Control": "no-store",
    "Content-Length": String(Buffer.byteLength(body)),
    "X-Content-Type-Options": "nosniff",
    "X-Request-Id": problem.requestId,
    ...options.headers,
  };
  const lines = Object.entries(headers)
    .filter(([, value]) => !/[\r\n]/.test(value))
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  socket.end(`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? "Error"}\r\n${lines}\r\n${body}`);
  // A peer that never reads must not keep the socket open.
  setTimeout(() => socket.destroy(), 5000).unref();
}
