import net from "node:net";

/** What came back on a raw connection. */
export interface RawAnswer {
  /** 0 when the connection closed (or `waitMs` passed) without an answer. */
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as UTF-8 (a chunked body decoded). */
  readonly body: string;
  /** ms from connecting until the answer was complete, the server closed the connection, or `waitMs` passed. */
  readonly ms: number;
  /** True when the server closed the connection before the client stopped listening. */
  readonly closed: boolean;
}

/** Options of {@link rawRequest}. */
export interface RawOptions {
  /** Give up (and destroy the socket) after this long; default 5000 ms. */
  waitMs?: number;
  /**
   * Keep reading after a complete answer until the server closes the
   * connection (or `waitMs` passes); default false: resolve with the first
   * complete answer.
   */
  untilClose?: boolean;
  /** Bytes written after connecting, each at a delay (ms after the previous write). */
  trickle?: readonly (readonly [number, string | Buffer])[];
}

const bytesOf = (data: string | Buffer) => (typeof data === "string" ? Buffer.from(data, "latin1") : data);

/**
 * Writes `payload` as is on a fresh TCP connection to 127.0.0.1:`port` and
 * reads what comes back: for requests no HTTP client would send (bad bytes,
 * CRLF in headers, oversized lines, slow writers). A string is written byte
 * for byte (latin1: chars 0-255 spell raw bytes).
 */
export function rawRequest(
  port: number,
  payload: string | Buffer,
  options: RawOptions = {},
): Promise<RawAnswer> {
  const { waitMs = 5_000, untilClose = false, trickle = [] } = options;
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    const timers: NodeJS.Timeout[] = [];
    let settled = false;
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(bytesOf(payload));
      let at = 0;
      for (const [delay, bytes] of trickle) {
        at += delay;
        timers.push(
          setTimeout(() => {
            if (!socket.destroyed) socket.write(bytesOf(bytes));
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
      if (!untilClose && isComplete(Buffer.concat(chunks))) finish(false);
    });
    socket.on("error", () => {});
    socket.on("close", () => finish(true));
    const giveUp = setTimeout(() => finish(false), waitMs);
  });
}

/** A GET of `target` as raw bytes, with `Host`, the given header lines and `Connection: close`. */
export function rawGet(
  port: number,
  target: string,
  headers: Readonly<Record<string, string>> = {},
  options?: RawOptions,
): Promise<RawAnswer> {
  const lines = Object.entries({ Host: `127.0.0.1:${port}`, ...headers }).map(([k, v]) => `${k}: ${v}`);
  return rawRequest(
    port,
    `GET ${target} HTTP/1.1\r\n${lines.join("\r\n")}\r\nConnection: close\r\n\r\n`,
    options,
  );
}

interface Head {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Where the body starts, in bytes. */
  readonly bodyAt: number;
}

function parseHead(bytes: Buffer): Head | undefined {
  const text = bytes.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return undefined;
  const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  // latin1: one char per byte, so the text offset is the byte offset.
  return { status: Number(statusLine.split(" ")[1] ?? 0), headers, bodyAt: end + 4 };
}

const isChunked = (headers: Record<string, string>) =>
  /\bchunked\b/i.test(headers["transfer-encoding"] ?? "");
const hasNoBody = (status: number) => status === 204 || status === 304;

/** The body of a chunked answer, or undefined while its last chunk has not arrived. */
function dechunk(rest: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = rest.indexOf("\r\n", at, "latin1");
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(rest.subarray(at, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (rest.length < start + size + 2) return undefined;
    parts.push(rest.subarray(start, start + size));
    at = start + size + 2;
  }
}

function parseAnswer(bytes: Buffer): Pick<RawAnswer, "status" | "headers" | "body"> {
  const head = parseHead(bytes);
  if (head === undefined) return { status: 0, headers: {}, body: "" };
  const { status, headers, bodyAt } = head;
  const rest = bytes.subarray(bodyAt);
  const length = headers["content-length"];
  const body =
    length !== undefined
      ? rest.subarray(0, Number(length))
      : isChunked(headers)
        ? (dechunk(rest) ?? rest)
        : rest;
  return { status, headers, body: body.toString("utf8") };
}

/** Whether `bytes` hold one whole answer: by its Content-Length, its last chunk, or a status without a body. */
function isComplete(bytes: Buffer): boolean {
  const head = parseHead(bytes);
  if (head === undefined) return false;
  const rest = bytes.subarray(head.bodyAt);
  const length = head.headers["content-length"];
  if (length !== undefined) return rest.length >= Number(length);
  if (isChunked(head.headers)) return dechunk(rest) !== undefined;
  // Without either, the body runs until the server closes the connection.
  return hasNoBody(head.status);
}
