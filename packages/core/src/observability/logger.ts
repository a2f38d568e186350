import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";

export type { Logger } from "pino";

/** Log levels `LOG_LEVEL` accepts. */
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

const SECRET_KEYS = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "apiKey",
  "api_key",
  "token",
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "idToken",
  "id_token",
  "password",
  "secret",
  "adminToken",
];

const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `["${name}"]`);

/**
 * Where secrets could hide in a log object: at the top, and in the header
 * maps of a request, a response or an HTTP client's error
 * (`req.headers.cookie`, `err.config.headers.authorization`). Portico never
 * logs headers on purpose; this is the safety net should anyone add them.
 * Explicit paths only: a wildcard (`*.token`) costs pino's redaction about
 * 50 µs per line, ten times the line itself.
 */
export const REDACTED_PATHS: readonly string[] = SECRET_KEYS.flatMap((name) => [
  name.includes("-") ? `["${name}"]` : name,
  ...[
    "headers",
    "req.headers",
    "res.headers",
    "request.headers",
    "response.headers",
    "err.config.headers",
  ].map((at) => `${at}${key(name)}`),
]);

export interface LoggerSettings {
  /** The app's name, on every line as `app`. */
  name?: string;
  /** Default `info`. */
  level?: LogLevel;
  /**
   * Default: stdout through pino's asynchronous destination (a line costs no
   * syscall on the request's path); `closeLogger` writes out what it holds
   * before a planned exit.
   */
  destination?: DestinationStream;
}

/**
 * The JSON logger every BFF writes to stdout (pino): one object per line,
 * `level` as its name, an ISO `time`, and secrets (authorization, cookies,
 * API keys, tokens) redacted wherever they turn up.
 */
export function createLogger({ name, level = "info", destination }: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level,
    base: name === undefined ? { pid: process.pid } : { app: name, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
    serializers: { err: pino.stdSerializers.err },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** What `closeLogger` needs of pino's destination: sonic-boom, or a node stream. */
interface Destination {
  end(): void;
  once(event: string, listener: () => void): unknown;
  destroyed?: boolean;
  writableFinished?: boolean;
}

function isDestination(value: unknown): value is Destination {
  const candidate = value as Partial<Destination> | undefined;
  return typeof candidate?.end === "function" && typeof candidate.once === "function";
}

/**
 * Ends the logger's destination once every line it holds is written, and
 * resolves then (or after `timeoutMs`, so a stdout nobody reads cannot keep
 * the process alive). Call it last, just before a planned exit. Why not leave
 * it to pino's own exit hook: that hook writes the queued lines synchronously
 * while the line being written may still wait in libuv's thread pool, so a
 * shutdown's last lines could come out of order or not at all. The logger
 * writes nothing after this (a line logged later would otherwise throw on
 * the closed destination).
 */
export function closeLogger(logger: Logger, timeoutMs = 2_000): Promise<void> {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  if (!isDestination(stream)) return Promise.resolve();
  logger.level = "silent";
  if (stream.destroyed === true || stream.writableFinished === true) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    // sonic-boom emits 'finish' once all is written, then 'close'; a node stream 'finish'.
    stream.once("finish", done);
    stream.once("close", done);
    stream.once("error", done);
    try {
      stream.end();
    } catch {
      done();
    }
  });
}

/** A logger that writes nothing (the default of a gateway built without one). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
