import type { IncomingMessage, RequestListener, ServerOptions, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { parse } from "node:url";
import { newRequestId } from "../context.js";
import {
  type GatewayError,
  HeadersTooLargeError,
  InvalidInputError,
  UriTooLongError,
} from "../errors/index.js";
import { EDGE_LIMITS } from "../http/limits.js";
import { problemOf } from "../http/problem.js";
import { API_SECURITY_HEADERS, API_SECURITY_HEADERS_FLAT } from "../http/response-hygiene.js";

export interface EdgeServerOptions {
  /** Headers (and the request line) must be complete within this many ms (`HEADERS_TIMEOUT_MS`); default 10 000. */
  headersTimeoutMs?: number;
}

/**
 * `http.createServer` options for a BFF facing the internet: request line
 * plus headers at most 16 KiB (Node refuses more itself), headers complete
 * within `headersTimeoutMs` and the whole request (body included) within
 * three times that, checked every second so a slowloris connection is
 * closed close to its deadline rather than up to 30 s later (Node's default).
 */
export function edgeServerOptions({
  headersTimeoutMs = EDGE_LIMITS.headersTimeoutMs,
}: EdgeServerOptions = {}): ServerOptions {
  return {
    maxHeaderSize: EDGE_LIMITS.maxHeaderBytes,
    headersTimeout: headersTimeoutMs,
    requestTimeout: headersTimeoutMs * 3,
    connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(headersTimeoutMs / 4))),
  };
}

/** What Node hands a `clientError` listener. */
interface ClientError extends Error {
  code?: string;
  rawPacket?: Buffer;
}

/**
 * The server's `clientError` listener: a request Node could not parse gets
 * a problem+json answer with the edge's security headers instead of Node's
 * bare one, then the connection is closed. Headers over the limit are 431,
 * or 414 when it is the request line that is too long; any other parse
 * error (a bad character in the URL, CR or LF inside a header, a malformed
 * `Content-Length`) is 400. A request whose headers did not arrive in time
 * (slowloris) is not answered: the connection is simply closed.
 */
export function answerClientError(error: ClientError, socket: Duplex): void {
  const timedOut = error.code === "ERR_HTTP_REQUEST_TIMEOUT" || error.code === "ECONNRESET";
  const busy = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (timedOut || !socket.writable || busy === true) {
    socket.destroy();
    return;
  }
  const line = requestLineOf(error.rawPacket);
  const problem = problemOf(refusalOf(error.code, line), instanceOf(line), newRequestId());
  const body = JSON.stringify(problem);
  const head = [
    `HTTP/1.1 ${problem.status} ${problem.title}`,
    "Content-Type: application/problem+json",
    "Cache-Control: no-store",
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${problem.requestId}`,
    ...API_SECURITY_HEADERS.map(([name, value]) => `${name}: ${value}`),
    "Connection: close",
  ];
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
  // end() flushes the answer; destroy soon after in case the client never reads it.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/** The start of a request in a packet: its target, and whether the request line ended within the packet. */
interface RequestLine {
  readonly target: string;
  readonly complete: boolean;
}

function requestLineOf(packet: Buffer | undefined): RequestLine | undefined {
  if (packet === undefined) return undefined;
  const head = packet.subarray(0, EDGE_LIMITS.maxHeaderBytes + 2).toString("latin1");
  const match = /^[A-Z]{3,10} (\S*)/.exec(head);
  if (match === null) return undefined;
  const end = head.indexOf("\r\n");
  return { target: match[1] ?? "", complete: end !== -1 };
}

function refusalOf(code: string | undefined, line: RequestLine | undefined): GatewayError {
  if (code === "HPE_HEADER_OVERFLOW") {
    // A request line that does not end within the limit, or a long target, is a URL problem.
    if (line !== undefined && (!line.complete || line.target.length > EDGE_LIMITS.maxUrlBytes)) {
      return new UriTooLongError(EDGE_LIMITS.maxUrlBytes);
    }
    return new HeadersTooLargeError(EDGE_LIMITS.maxHeaderBytes);
  }
  return new InvalidInputError("The request could not be parsed");
}

/** The path, for the problem's `instance`, only when it is short and plain: never a hostile echo. */
function instanceOf(line: RequestLine | undefined): string {
  const path = line?.target.split("?")[0];
  return path !== undefined && /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,255}$/.test(path) ? path : "/";
}

/**
 * Wraps the app's request listener: a request target in which express
 * would find no path at all (e.g. `//!@#`, a fragment right after a
 * `//`) never reaches express, whose router would skip every middleware
 * and answer an HTML 404 without a request id. It gets a 400 problem+json
 * with the edge's headers instead.
 */
export function guardRequestTarget(listener: RequestListener): RequestListener {
  return function guardRequestTarget(req: IncomingMessage, res: ServerResponse): void {
    if (hasReadablePath(req.url ?? "")) {
      listener(req, res);
      return;
    }
    const problem = problemOf(
      new InvalidInputError("The request target could not be read"),
      "/",
      newRequestId(),
    );
    const body = JSON.stringify(problem);
    res.writeHead(problem.status, [
      ...API_SECURITY_HEADERS_FLAT,
      "Content-Type",
      "application/problem+json",
      "Cache-Control",
      "no-store",
      "Content-Length",
      String(Buffer.byteLength(body)),
      "X-Request-Id",
      problem.requestId,
    ]);
    res.end(body);
  };
}

/** Whether express will see a path in this target: parseurl's own test (a fast path, else Node's legacy parser). */
function hasReadablePath(target: string): boolean {
  if (target.startsWith("/") && !/[#\t\n\f\r \u00a0\ufeff]/.test(target)) return true;
  return typeof parse(target).pathname === "string";
}
