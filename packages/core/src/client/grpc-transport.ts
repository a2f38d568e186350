import type { ChannelOptions, Client, ServiceError } from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import { offStop, onStop } from "../cancellation.js";
import type { ServiceInstance } from "../discovery/service-registry.js";
import {
  ClientClosedError,
  GatewayError,
  UpstreamBadResponseError,
  UpstreamConnectionError,
} from "../errors/index.js";
import { lazyRequire } from "../lazy-require.js";
import { GRPC_STATUS, type GrpcAnswer, grpcStatusAnswer } from "./grpc-status.js";
import {
  isCancelled,
  type Transport,
  type TransportRequest,
  type TransportResponse,
  type WriteRequest,
} from "./transport.js";

// Loaded with the first transport: only `INVENTORY_TRANSPORT=grpc` pays for the gRPC stack.
const grpcJs = lazyRequire<typeof import("@grpc/grpc-js")>("@grpc/grpc-js");

/** The unary method a request goes to, and its request message. */
export interface GrpcRoute {
  readonly method: MethodDefinition<object, object>;
  readonly message: object;
}

/**
 * Maps the HTTP-style request a service client sends (`/stock/p1`,
 * `/stock?ids=p1,p2`) to a unary call; undefined when no method serves it.
 * The decoded answer is the JSON body the service client validates, so the
 * messages decode to the HTTP API's field names (see `inventoryGrpcRoutes`).
 */
export type GrpcRouter = (path: string, query: TransportRequest["query"]) => GrpcRoute | undefined;

/** Options of {@link GrpcTransport}; all but `routes` optional. */
export interface GrpcTransportOptions {
  readonly routes: GrpcRouter;
  /**
   * The gRPC deadline of a call whose request carries no `deadline`: the
   * service's timeout. Default 800 ms. (The attempt's cancellation stops
   * the call at its real limit either way.)
   */
  readonly timeoutMs?: number;
  /** Largest answer accepted, in bytes (a larger one is `RESOURCE_EXHAUSTED`). Default 8 MiB. */
  readonly maxMessageBytes?: number;
  /**
   * How soon a channel whose instance refused or dropped it connects again:
   * doubling from `initial` to `max`. Calls in between fail at once with
   * `UNAVAILABLE` (a refused connection). Default 100 to 1000 ms (gRPC's
   * own default grows to 120 s, far too long to notice a restarted instance).
   */
  readonly reconnectBackoffMs?: { readonly initial: number; readonly max: number };
  /** How long {@link GrpcTransport.probe} waits for a connection. Default 1000 ms. */
  readonly probeTimeoutMs?: number;
}

/**
 * Whether the channel is failing to connect (refused, unreachable): a call
 * that failed then was never sent, and its instance may be ejected at once.
 * A connection dropped under a call leaves the channel idle instead.
 */
function neverConnected(client: Client): boolean {
  return client.getChannel().getConnectivityState(false) === grpcJs().connectivityState.TRANSIENT_FAILURE;
}

/** The metadata a call carries from the service client's headers (contract section 3). */
const FORWARDED = ["x-request-id", "traceparent"] as const;

/**
 * A {@link Transport} over gRPC (`@grpc/grpc-js`, plaintext HTTP/2), so a
 * service client does not care whether its service speaks JSON over HTTP
 * or protobuf: the same timeout, retry, breaker, bulkhead, balancer,
 * fallbacks, metrics and `Server-Timing` apply. An instance's URL is its
 * `host:port`; one channel per address is kept open until {@link close}.
 *
 * The answer is what HTTP would have said: a decoded message is a 200 with
 * the message as its body; `NOT_FOUND` a 404; `UNAVAILABLE` a connection
 * error; `DEADLINE_EXCEEDED` a timeout; the rest as `grpcStatusAnswer`
 * says. An answer that does not decode is `UPSTREAM_BAD_RESPONSE`, a
 * failure like malformed JSON. The request id and trace context travel as
 * metadata; the caller's signal cancels the call.
 *
 * @example
 * const transport = new GrpcTransport({ routes: inventoryGrpcRoutes(), timeoutMs: 800 });
 * await transport.get({ service: "inventory", baseUrl: "127.0.0.1:7204", path: "/stock/p1", headers: {}, signal });
 * // → { status: 200, body: { productId: "p1", available: 3 } }
 */
export class GrpcTransport implements Transport {
  readonly #routes: GrpcRouter;
  readonly #timeoutMs: number;
  readonly #probeTimeoutMs: number;
  readonly #channelOptions: ChannelOptions;
  readonly #clients = new Map<string, Client>();
  #closed = false;

  constructor({
    routes,
    timeoutMs = 800,
    maxMessageBytes = 8 * 1024 * 1024,
    reconnectBackoffMs = { initial: 100, max: 1000 },
    probeTimeoutMs = 1000,
  }: GrpcTransportOptions) {
    // Loaded now, not on the first call: a transport is built only when gRPC is configured, and
    // requiring grpc-js (60 ms idle, several times that on a busy machine) inside the first
    // call's timeout made that call time out.
    grpcJs();
    this.#routes = routes;
    this.#timeoutMs = timeoutMs;
    this.#probeTimeoutMs = probeTimeoutMs;
    this.#channelOptions = {
      "grpc.max_receive_message_length": maxMessageBytes,
      "grpc.initial_reconnect_backoff_ms": reconnectBackoffMs.initial,
      "grpc.max_reconnect_backoff_ms": reconnectBackoffMs.max,
    };
  }

  /** Resolves with the answer and the gRPC status it came with (`GrpcAnswer`, for traces). */
  async get(request: TransportRequest): Promise<GrpcAnswer> {
    // A caller already gone: no call is even started.
    if (isCancelled(request)) throw new ClientClosedError();
    const route = this.#routes(request.path, request.query);
    if (route === undefined) {
      // A programming error (a path no method serves), not a fault of the service.
      throw new GatewayError("INTERNAL", `No gRPC method serves ${request.service} ${request.path}`, {
        service: request.service,
      });
    }
    const client = this.#client(request);
    const grpc = grpcJs();
    const metadata = new grpc.Metadata();
    for (const name of FORWARDED) {
      const value = request.headers[name];
      if (value !== undefined) metadata.set(name, value);
    }
    const timeoutMs = Math.max(
      1,
      request.deadline === undefined ? this.#timeoutMs : request.deadline - performance.now(),
    );
    // Set when the answer arrived but is not the method's message: told apart
    // from a status the service sent by what happened, not by grpc-js's wording.
    let undecodable: unknown;
    const { method, message } = route;
    const deserialize = (bytes: Buffer): object => {
      try {
        return method.responseDeserialize(bytes);
      } catch (error) {
        undecodable = error;
        throw error;
      }
    };
    return new Promise<GrpcAnswer>((resolve, reject) => {
      // The pipeline's cancellation when there is one (no AbortSignal made for the call), else the signal.
      const stop = request.cancellation ?? request.signal;
      const stopListening = () => offStop(stop, cancel);
      const call = client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        deserialize,
        message,
        metadata,
        { deadline: Date.now() + timeoutMs },
        (error: ServiceError | null, value?: object) => {
          stopListening();
          if (isCancelled(request)) reject(new ClientClosedError());
          else if (undecodable !== undefined)
            reject(new UpstreamBadResponseError(request.service, "undecodable message", undecodable));
          else if (error !== null) {
            try {
              resolve(
                grpcStatusAnswer(request.service, error.code, error, timeoutMs, neverConnected(client)),
              );
            } catch (failure) {
              reject(failure);
            }
          } else resolve({ status: 200, body: value, grpcStatus: GRPC_STATUS.OK });
        },
      );
      // Cancelling sends RST_STREAM: the service sees the call end, as an HTTP service sees its socket close.
      function cancel(): void {
        call.cancel();
      }
      onStop(stop, cancel);
    });
  }

  /** Writes are not served over gRPC: the inventory service's two methods are reads (contract section 3). */
  async send(request: WriteRequest): Promise<TransportResponse> {
    throw new GatewayError(
      "INTERNAL",
      `The ${request.service} service takes no writes over gRPC (${request.method} ${request.path})`,
      { service: request.service },
    );
  }

  /**
   * The active health check of a gRPC instance (a `HealthProbe`): healthy
   * when its channel connects (TCP and the HTTP/2 handshake) within
   * `probeTimeoutMs`. Never throws.
   */
  probe(instance: ServiceInstance, signal: AbortSignal): Promise<boolean> {
    if (this.#closed || signal.aborted) return Promise.resolve(false);
    let client: Client;
    try {
      client = this.#clientAt(instance.url);
    } catch {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal.addEventListener("abort", onAbort, { once: true });
      client.waitForReady(Date.now() + this.#probeTimeoutMs, (error) => {
        signal.removeEventListener("abort", onAbort);
        resolve(error === undefined);
      });
    });
  }

  /** Closes every channel; calls in flight end with `CANCELLED`. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  #client(request: TransportRequest): Client {
    // Closed on shutdown: like a refused connection, nothing was sent.
    if (this.#closed) throw new UpstreamConnectionError(request.service, true, new Error("transport closed"));
    return this.#clientAt(request.baseUrl);
  }

  /** The long-lived channel to one `host:port`, made on first use. */
  #clientAt(address: string): Client {
    let client = this.#clients.get(address);
    if (client === undefined) {
      const grpc = grpcJs();
      client = new grpc.Client(address, grpc.credentials.createInsecure(), this.#channelOptions);
      this.#clients.set(address, client);
    }
    return client;
  }
}
