import type { Readable } from "node:stream";
import type { Cancellation } from "../cancellation.js";
import { InvalidInputError } from "../errors/index.js";

/** One request to one instance of an upstream service (a GET, unless a {@link WriteRequest}). */
export interface TransportRequest {
  /** Names the service in errors (never the URL: clients must not see hosts). */
  readonly service: string;
  readonly baseUrl: string;
  /** Path with every dynamic segment already encoded (see `encodePath`). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number>> | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** Aborted when the attempt times out or every caller has gone: the transport must then stop. */
  readonly signal: AbortSignal;
  /**
   * The attempt's cancellation, when the call pipeline sent the request:
   * the same "stop" as `signal`, without the EventTarget. A transport that
   * listens to it (`onAbort`) spares the call an AbortSignal, which is made
   * only when `signal` is read (see `Cancellation`).
   */
  readonly cancellation?: Cancellation | undefined;
  /**
   * When the attempt's time is up, on the `performance.now()` clock (its
   * timeout within what is left of the request deadline), for transports
   * that send a deadline along (gRPC). The call pipeline enforces it anyway.
   */
  readonly deadline?: number | undefined;
}

/**
 * A GET as the call pipeline sends it: its `signal` is made from the
 * attempt's cancellation only if a transport reads it.
 */
export class PipelineRequest implements TransportRequest {
  constructor(
    readonly service: string,
    readonly baseUrl: string,
    readonly path: string,
    readonly query: Readonly<Record<string, string | number>> | undefined,
    readonly headers: Readonly<Record<string, string>>,
    readonly cancellation: Cancellation,
    readonly deadline: number,
  ) {}

  get signal(): AbortSignal {
    return this.cancellation.signal;
  }
}

/** Whether the request was told to stop, without making a signal it has not made yet. */
export function isCancelled(request: TransportRequest): boolean {
  return request.cancellation === undefined ? request.signal.aborted : request.cancellation.aborted;
}

/** The methods a write may use (contract 2.6). */
export type WriteMethod = "POST" | "PUT" | "DELETE";

/** One write to one instance: never retried by the transport, its body sent as JSON. */
export interface WriteRequest extends TransportRequest {
  readonly method: WriteMethod;
  /** Serialised as JSON with `content-type: application/json`; none when undefined. */
  readonly body?: unknown;
}

export interface TransportResponse {
  readonly status: number;
  /**
   * The parsed JSON body of a 2xx answer, and of a write's 4xx answer (the
   * service's reason, e.g. `{"error":"out_of_stock"}`, or undefined when it
   * sent none or not JSON); undefined otherwise.
   */
  readonly body: unknown;
}

/** An answer whose body is relayed as it arrives (pass-through routes). */
export interface StreamResponse {
  readonly status: number;
  /** Response headers, lower-case names, as the upstream sent them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as it arrives. The caller owns it: it must consume or destroy it, unless it took `whole`. */
  readonly body: Readable;
  /**
   * The whole body, when all of it had arrived by the time the answer was
   * handed over (a small answer comes in the headers' own read). A caller
   * that takes it leaves `body` alone: no stream is made for it.
   */
  readonly whole?: Buffer | undefined;
}

/** Moves a request to an instance and back; HTTP today, AMQP for some services. */
export interface Transport {
  get(request: TransportRequest): Promise<TransportResponse>;
  /**
   * Sends one write. A connection refused before anything was sent fails
   * with `UpstreamConnectionError` whose `notSent` is true; any other
   * connection failure leaves the outcome uncertain (`notSent` false).
   * A transport that cannot write throws a GatewayError (`INTERNAL`).
   */
  send(request: WriteRequest): Promise<TransportResponse>;
  /** Resolves once the status and headers arrived; only transports that can stream have it. */
  stream?(request: TransportRequest): Promise<StreamResponse>;
  close(): Promise<void>;
}

/**
 * A path with each interpolated value percent-encoded as one segment, so an
 * id can never add a segment, a query or a `..`: encodePath`/products/${id}`.
 * A value that cannot be one segment (empty, `.` or `..`) throws
 * InvalidInputError (400) rather than reach an upstream URL.
 */
export function encodePath(strings: TemplateStringsArray, ...values: readonly (string | number)[]): string {
  let path = strings[0] ?? "";
  values.forEach((value, i) => {
    const segment = encodeURIComponent(String(value));
    // "." and ".." survive encodeURIComponent, and URL parsers (WHATWG, so
    // axios too) treat "%2E" and "%2E%2E" as dot segments all the same: no
    // spelling of them stays one literal segment. An empty one would name the
    // parent collection instead.
    if (segment === "" || segment === "." || segment === "..") {
      throw new InvalidInputError('An id cannot be empty, "." or ".."');
    }
    path += segment + (strings[i + 1] ?? "");
  });
  return path;
}

/**
 * `?a=1&b=x` from a query object, each key and value percent-encoded
 * (`encodeURIComponent`: a space is `%20`); "" for none. Built by hand: a
 * URLSearchParams per call showed in the call pipeline's profile.
 */
export function queryString(query: Readonly<Record<string, string | number>> | undefined): string {
  if (query === undefined) return "";
  let text = "";
  for (const key in query) {
    const value = query[key];
    if (value === undefined) continue;
    text += `${text === "" ? "?" : "&"}${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
  }
  return text;
}
