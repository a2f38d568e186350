import { Readable } from "node:stream";
import type {
  AxiosAdapter,
  AxiosInstance,
  AxiosResponse,
  AxiosStatic,
  InternalAxiosRequestConfig,
} from "axios";
import type { Agent, Dispatcher } from "undici";
import { type Cancellation, offStop, onStop, type Stop } from "../cancellation.js";
import {
  ClientClosedError,
  GatewayError,
  UpstreamBadResponseError,
  UpstreamConnectionError,
} from "../errors/index.js";
import { lazyRequire } from "../lazy-require.js";
import {
  isCancelled,
  queryString,
  type StreamResponse,
  type Transport,
  type TransportRequest,
  type TransportResponse,
  type WriteMethod,
  type WriteRequest,
} from "./transport.js";

export interface HttpTransportOptions {
  /** Most sockets kept per instance. Default 256. */
  maxSockets?: number;
  /** Largest upstream body accepted, in bytes. Default 8 MiB. */
  maxBodyBytes?: number;
}

/** An upstream base URL split once into what undici dispatches on. */
interface Target {
  readonly origin: string;
  /** The base URL's own path (`/api` in `http://host/api`), or "". */
  readonly prefix: string;
}

class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
  }
}

/** The answer began (status and headers came) and then broke off. */
class AnswerBrokeOffError extends Error {
  constructor(override readonly cause: unknown) {
    super("the answer broke off", { cause });
  }
}

/** A whole answer, read by the adapter: the `data` of a non-stream axios response. */
interface Collected {
  readonly status: number;
  readonly text: string;
}

/**
 * Portico's part of one call's axios config (`config.portico`): the headers
 * the service client sends (lower-case names: request id, trace context,
 * `accept`, forwarding, `Idempotency-Key`) and the attempt's cancellation.
 * They travel beside axios's own `headers` rather than in them: axios
 * copies, normalises and re-validates every header twice per call
 * (`AxiosHeaders`), which was half of its cost, and these are already
 * clean. A request interceptor may read or change them here; a header an
 * interceptor puts in `config.headers` is sent too, unless Portico sends
 * one of that name.
 */
export class PorticoCall {
  constructor(
    readonly headers: Readonly<Record<string, string>>,
    /** The undici adapter listens to it instead of `signal` (see `Cancellation`). */
    readonly cancellation: Cancellation | undefined,
  ) {}
}

declare module "axios" {
  interface AxiosRequestConfig {
    /** Portico's headers and cancellation of this call (see `PorticoCall`). */
    portico?: PorticoCall | undefined;
  }
}

/**
 * The headers one call sends: Portico's, plus any other a team's
 * interceptor (or axios's defaults) put in axios's own; axios's form
 * `Content-Type` for a POST or PUT never (a body is JSON, and says so).
 */
function requestHeadersOf(config: InternalAxiosRequestConfig): Readonly<Record<string, string>> {
  const own = config.portico?.headers ?? {};
  let headers: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    if (typeof value !== "string") continue;
    const lower = name.toLowerCase();
    if (lower === "content-type" || Object.hasOwn(own, lower)) continue;
    headers ??= { ...own };
    headers[lower] = value;
  }
  return headers ?? own;
}

/**
 * What both answer handlers share: undici's dispatcher calls, and being
 * told to stop by the attempt's cancellation or a signal, whichever the
 * request carries (undici's own `request` would need an AbortSignal).
 */
abstract class StoppableHandler implements Dispatcher.DispatchHandler {
  #abort: ((error: Error) => void) | undefined;
  #stopped: Error | undefined;
  readonly #stop = (reason: unknown) => this.stop(reason instanceof Error ? reason : new Error("aborted"));

  /** `stopper`: the attempt's cancellation, else the request's signal (none: nothing stops it). */
  constructor(readonly stopper: Stop | undefined) {
    if (stopper !== undefined) onStop(stopper, this.#stop);
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.#stopped !== undefined) abort(this.#stopped);
    else this.#abort = abort;
  }

  /** Ends the exchange: undici closes its socket and calls `onError`. */
  stop(error: Error): void {
    if (this.#abort !== undefined) this.#abort(error);
    else this.#stopped = error;
  }

  /** Stops listening for the stop: the exchange ended. */
  release(): void {
    if (this.stopper !== undefined) offStop(this.stopper, this.#stop);
  }
}

/**
 * Reads one answer as undici's dispatcher delivers it (no Readable stream,
 * no AbortSignal): status, then chunks up to `limit` bytes, then the text.
 */
class CollectingHandler extends StoppableHandler {
  #status = 0;
  #answered = false;
  #size = 0;
  readonly #chunks: Buffer[] = [];

  constructor(
    readonly resolve: (collected: Collected) => void,
    readonly reject: (error: unknown) => void,
    readonly limit: number,
    stopper: Stop | undefined,
  ) {
    super(stopper);
  }

  onHeaders(status: number): boolean {
    this.#status = status;
    this.#answered = true;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#size > this.limit) {
      this.stop(new BodyTooLargeError(this.limit));
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.release();
    const chunks = this.#chunks;
    const text =
      chunks.length === 0
        ? ""
        : chunks.length === 1
          ? (chunks[0] as Buffer).toString("utf8")
          : Buffer.concat(chunks).toString("utf8");
    // undici frees the socket one loop turn after the answer ends, with a
    // setImmediate it schedules once this returns: answering after it lets
    // the caller's next call reuse that socket, not open another.
    const collected = { status: this.#status, text };
    queueMicrotask(() => setImmediate(this.resolve, collected));
  }

  onError(error: Error): void {
    this.release();
    this.reject(
      this.#answered && !(error instanceof BodyTooLargeError) ? new AnswerBrokeOffError(error) : error,
    );
  }
}

/**
 * A pass-through's answer as the transport hands it over. A body that had
 * all arrived by then is `whole`, and a stream is made for it only if a
 * caller asks for `body`; a body still coming is `body`, fed as it comes.
 * One class for both, so the code that relays them sees one shape.
 */
class OpenedAnswer implements StreamResponse {
  #body: Readable | undefined;

  constructor(
    readonly status: number,
    readonly headers: Record<string, string | string[]>,
    readonly whole: Buffer | undefined,
    body: Readable | undefined,
  ) {
    this.#body = body;
  }

  get body(): Readable {
    if (this.#body === undefined) {
      const body = new Readable({ read() {} });
      if (this.whole !== undefined && this.whole.length > 0) body.push(this.whole);
      body.push(null);
      this.#body = body;
    }
    return this.#body;
  }
}

/**
 * Hands the answer over one microtask after its status and headers came.
 * undici's parser delivers a small answer's headers, body and end from one
 * socket read without yielding, so by then such a body is here whole and
 * goes over as `whole`, no stream made. A body still coming goes over as a
 * Readable fed straight from the dispatcher, starting with what came so
 * far: the pass-through relays it as it comes. Destroying the body ends the
 * exchange (the socket is closed); backpressure pauses the socket until the
 * body is read again.
 */
class StreamingHandler extends StoppableHandler {
  #status = 0;
  #headers: Record<string, string | string[]> = {};
  /** What came before the hand-over. */
  readonly #chunks: Buffer[] = [];
  #body: Readable | undefined;
  #resume: (() => void) | undefined;
  #ended = false;
  #broke: Error | undefined;

  constructor(
    readonly resolve: (answer: OpenedAnswer) => void,
    readonly reject: (error: unknown) => void,
    stopper: Stop | undefined,
  ) {
    super(stopper);
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    this.#status = status;
    this.#headers = answerHeadersOf(rawHeaders);
    this.#resume = resume;
    queueMicrotask(() => this.#handOver());
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#body !== undefined) return this.#body.push(chunk);
    this.#chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.#ended = true;
    this.release();
    this.#body?.push(null);
  }

  onError(error: Error): void {
    this.#ended = true;
    this.release();
    if (this.#status === 0) this.reject(error);
    else if (this.#body === undefined) this.#broke = new AnswerBrokeOffError(error);
    else if (!this.#body.destroyed) this.#body.destroy(new AnswerBrokeOffError(error));
  }

  #handOver(): void {
    const chunks = this.#chunks;
    if (this.#ended && this.#broke === undefined) {
      const whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      this.resolve(new OpenedAnswer(this.#status, this.#headers, whole, undefined));
      return;
    }
    const body = new Readable({
      read: () => this.#resume?.(),
      destroy: (error, done) => {
        // Read no more: a body nobody wants must not hold its socket.
        if (!this.#ended) this.stop(error ?? new Error("body destroyed"));
        done(error);
      },
    });
    this.#body = body;
    for (const chunk of chunks) body.push(chunk);
    chunks.length = 0;
    if (this.#broke !== undefined) body.destroy(this.#broke);
    else if (this.#ended) body.push(null);
    this.resolve(new OpenedAnswer(this.#status, this.#headers, undefined, body));
  }
}

/** undici's raw header list as lower-case names; a repeated header keeps every value, in order. */
function answerHeadersOf(raw: Buffer[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const nameOf = undiciUtil().headerNameToString;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = nameOf(raw[i] as Buffer);
    const value = (raw[i + 1] as Buffer).toString("latin1");
    const prior = headers[name];
    if (prior === undefined) headers[name] = value;
    else if (Array.isArray(prior)) prior.push(value);
    else headers[name] = [prior, value];
  }
  return headers;
}

/** One exchange as the adapter, or a call axios has nothing to do for, hands it to undici. */
interface Exchange {
  readonly target: Target;
  readonly path: string;
  readonly method: Dispatcher.HttpMethod;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** The attempt's cancellation, else the request's signal (none: nothing stops it). */
  readonly stopper: Stop | undefined;
}

/** Hands `exchange` to undici, its answer to `handler`. */
function dispatch(agent: Agent, exchange: Exchange, handler: Dispatcher.DispatchHandler): void {
  const { target, path, method, headers, body } = exchange;
  agent.dispatch({ origin: target.origin, path: target.prefix + path, method, headers, body }, handler);
}

/** Sends `exchange` and reads its whole answer, up to `limit` bytes. */
function collect(agent: Agent, exchange: Exchange, limit: number): Promise<Collected> {
  return new Promise<Collected>((resolve, reject) => {
    dispatch(agent, exchange, new CollectingHandler(resolve, reject, limit, exchange.stopper));
  });
}

/** Sends `exchange` and hands its answer over once status and headers came, the body streaming. */
function open(agent: Agent, exchange: Exchange): Promise<OpenedAnswer> {
  return new Promise<OpenedAnswer>((resolve, reject) => {
    dispatch(agent, exchange, new StreamingHandler(resolve, reject, exchange.stopper));
  });
}

/**
 * An axios adapter that sends through undici's keep-alive pools: service
 * clients keep axios's API (config, interceptors), undici does the I/O,
 * which profiles showed far cheaper than axios's own http adapter
 * (docs/performance.md). A JSON call is dispatched with a handler that
 * collects the answer (`data` is its status and text); a pass-through
 * (`responseType: "stream"`) gets status, headers and the body as a stream.
 * A write (`HttpTransport.send`) passes its method and its body, already
 * serialised as JSON; a GET (axios's lower-case "get") carries neither.
 */
function undiciAdapter(agent: Agent, targetOf: (baseUrl: string) => Target, limit: number): AxiosAdapter {
  return function undiciAdapter(config) {
    let method: Dispatcher.HttpMethod = "GET";
    let body: string | undefined;
    if (config.method !== "get") {
      method = (config.method ?? "get").toUpperCase() as Dispatcher.HttpMethod;
      body = config.data as string | undefined;
    }
    const exchange: Exchange = {
      target: targetOf(config.baseURL ?? ""),
      path: config.url ?? "",
      method,
      headers: requestHeadersOf(config),
      body,
      stopper: config.portico?.cancellation ?? (config.signal as AbortSignal | undefined) ?? undefined,
    };
    // undici's whole answer travels as `data`: given headers, axios would
    // copy and normalise every one twice per call (AxiosHeaders), which a
    // profile put at a fifth of its cost, and only the pass-through reads them.
    if (config.responseType === "stream") {
      return open(agent, exchange).then((streamed) => answer(config, streamed.status, streamed));
    }
    return collect(agent, exchange, limit).then((collected) => answer(config, collected.status, collected));
  };
}

function dataOf<T>(response: AxiosResponse<T>): T {
  return response.data;
}

function answer<T>(config: InternalAxiosRequestConfig, status: number, data: T): AxiosResponse<T> {
  return { data, status, statusText: "", headers: {}, config, request: null };
}

/**
 * axios, required the first time a team reaches for a transport's instance
 * (`HttpTransport.axios`): until then no call has work for it (see
 * `axiosIdle`), and the package is 4.5 MB of heap that a gateway would
 * carry for nothing, a tenth of what it keeps live under load.
 */
const axiosPackage = lazyRequire<AxiosStatic>("axios");

/**
 * undici's `Agent` alone (the very class `undici` exports): its package
 * index also loads fetch, WebSocket, the cache and the mocks, 5.1 MB of
 * heap where the agent and its pools are 1.7. The path is pinned with
 * undici's version by the lockfile, and `http-transport.test.ts` checks it
 * is still the exported class.
 */
export const undiciAgent = lazyRequire<typeof Agent>("undici/lib/dispatcher/agent.js");

/**
 * undici's header-name lookup (exported as `util.headerNameToString`), from
 * the same module its parser uses, for the same reason: a well-known name
 * comes back as an interned lower-case string, with no `toString` and
 * `toLowerCase` per header of every answer.
 */
export const undiciUtil = lazyRequire<{ headerNameToString(name: Buffer): string }>(
  "undici/lib/core/util.js",
);

/**
 * An axios instance with only the defaults these calls need. axios deep-merges
 * its instance defaults (headers per method, transitional flags, xsrf names,
 * environment classes) into every request config; a profile put that merge
 * at more than half of axios's cost per call, and none of those defaults
 * applies to a call sent through the undici adapter (docs/performance.md).
 * The adapter is the only one left: it settles every status itself
 * (`validateStatus` is a setting of axios's own adapters), and with no
 * transforms configured axios leaves the data as it is.
 */
function leanAxios(adapter: AxiosAdapter): AxiosInstance {
  const instance = axiosPackage().create();
  const defaults = instance.defaults as unknown as Record<string, unknown>;
  for (const key of Object.keys(defaults)) delete defaults[key];
  defaults.adapter = adapter;
  return instance;
}

/**
 * True while axios has nothing to do for a call: no interceptor registered
 * and its defaults still only Portico's adapter. Its pipeline (the config
 * merge, header objects, transforms, the interceptor chain) would then add
 * only its cost, about 15 µs per call (docs/performance.md, "Pass-through"),
 * to the very exchange the adapter makes; so the call makes that exchange
 * itself. The first interceptor or default a team adds puts every later
 * call back through axios (an ejected interceptor keeps its slot, so it
 * does too); `interceptors.*.clear()` makes it idle again.
 */
function axiosIdle(instance: AxiosInstance, adapter: AxiosAdapter): boolean {
  const { request, response } = instance.interceptors as unknown as {
    request: { handlers?: unknown };
    response: { handlers?: unknown };
  };
  if (!noHandlers(request.handlers) || !noHandlers(response.handlers)) return false;
  const defaults = instance.defaults as unknown as Record<string, unknown>;
  for (const key in defaults) if (key !== "adapter") return false;
  return defaults.adapter === adapter;
}

/** axios's interceptor list (`InterceptorManager.handlers`), known to be empty: anything else is not. */
function noHandlers(handlers: unknown): boolean {
  return Array.isArray(handlers) && handlers.length === 0;
}

/**
 * JSON over HTTP/1.1: axios for the client API, undici's keep-alive
 * connection pools (one pool per instance) underneath. The request's
 * cancellation (or signal) really cancels: undici destroys the socket of an
 * aborted request. Redirects are not followed, so an upstream cannot point
 * the gateway elsewhere, and bodies are not decompressed.
 */
export class HttpTransport implements Transport {
  readonly #agent: Agent;
  /** Made on first use of `axios`: a transport nobody adds interceptors to never makes one. */
  #axios: AxiosInstance | undefined;
  readonly #adapter: AxiosAdapter;
  readonly #limit: number;
  readonly #targets = new Map<string, Target>();

  constructor({ maxSockets = 256, maxBodyBytes = 8 * 1024 * 1024 }: HttpTransportOptions = {}) {
    this.#agent = new (undiciAgent())({ connections: maxSockets, pipelining: 1 });
    this.#limit = maxBodyBytes;
    this.#adapter = undiciAdapter(this.#agent, (baseUrl) => this.#target(baseUrl), maxBodyBytes);
  }

  /**
   * The axios instance of this transport's calls: a team adds its
   * interceptors (or defaults) here (`transport.axios.interceptors.request.use`),
   * and from then on every call goes through them. Until then a call skips
   * axios's pipeline, which has nothing to do (see `axiosIdle`). Portico's
   * own headers are in `config.portico` (see `PorticoCall`).
   */
  get axios(): AxiosInstance {
    this.#axios ??= leanAxios(this.#adapter);
    return this.#axios;
  }

  /** The axios instance when it has work for a call, else undefined: the call then goes straight to undici. */
  #withWork(): AxiosInstance | undefined {
    const instance = this.#axios;
    return instance === undefined || axiosIdle(instance, this.#adapter) ? undefined : instance;
  }

  get(request: TransportRequest): Promise<TransportResponse> {
    // A handler on the collected answer, not an async function: one promise fewer per upstream GET.
    return this.#collect(request).then(({ status, text }) => {
      // Only a 2xx's body is read; another status is all the service client needs.
      if (status < 200 || status >= 300) return { status, body: undefined };
      try {
        return { status, body: JSON.parse(text) as unknown };
      } catch (error) {
        throw new UpstreamBadResponseError(request.service, "malformed JSON", error);
      }
    });
  }

  /**
   * Sends one write through the same axios instance and undici pool. The
   * body of a 2xx answer is parsed as JSON (an empty one is undefined), as
   * is a 4xx's (the service's reason; undefined when unreadable); a 3xx or
   * 5xx's is ignored. A connection refused before anything was sent fails
   * with `notSent`; a reset after the request went out does not.
   */
  async send(request: WriteRequest): Promise<TransportResponse> {
    let data: string | undefined;
    let headers = request.headers;
    if (request.body !== undefined) {
      try {
        data = JSON.stringify(request.body);
      } catch (error) {
        throw new GatewayError("INTERNAL", `The body for the ${request.service} service is not JSON`, {
          service: request.service,
          cause: error,
        });
      }
      headers = { ...headers, "content-type": "application/json" };
    }
    const { status, text } = await this.#collect(request, { method: request.method, data, headers });
    const answered = status >= 200 && status < 300;
    if ((!answered && (status < 400 || status >= 500)) || text === "") return { status, body: undefined };
    try {
      return { status, body: JSON.parse(text) as unknown };
    } catch (error) {
      // The refusal arrived; only its reason is unreadable.
      if (!answered) return { status, body: undefined };
      throw new UpstreamBadResponseError(request.service, "malformed JSON", error);
    }
  }

  /** The raw answer, body unread and not decompressed, for relaying as it is. */
  async stream(request: TransportRequest): Promise<StreamResponse> {
    if (isCancelled(request)) throw new ClientClosedError();
    const cancellation = request.cancellation;
    try {
      const url = request.path + queryString(request.query);
      const instance = this.#withWork();
      if (instance === undefined) {
        return await open(this.#agent, {
          target: this.#target(request.baseUrl),
          path: url,
          method: "GET",
          headers: request.headers,
          body: undefined,
          stopper: cancellation ?? request.signal,
        });
      }
      return (
        await instance.request<OpenedAnswer>(
          cancellation === undefined
            ? {
                url,
                baseURL: request.baseUrl,
                responseType: "stream",
                portico: new PorticoCall(request.headers, undefined),
                signal: request.signal,
              }
            : {
                url,
                baseURL: request.baseUrl,
                responseType: "stream",
                portico: new PorticoCall(request.headers, cancellation),
              },
        )
      ).data;
    } catch (error) {
      throw this.#failure(request, error);
    }
  }

  async close(): Promise<void> {
    await this.#agent.destroy();
  }

  /** Sends the GET, or the write, and reads its whole answer. */
  #collect(
    request: TransportRequest,
    write?: {
      method: WriteMethod;
      data: string | undefined;
      headers: Readonly<Record<string, string>>;
    },
  ): Promise<Collected> {
    // A caller already gone: no connection is even opened.
    if (isCancelled(request)) return Promise.reject(new ClientClosedError());
    // The attempt's cancellation when the pipeline sent it, else the request's signal.
    const cancellation = request.cancellation;
    let url: string;
    try {
      url = request.path + queryString(request.query);
    } catch (error) {
      // A value that cannot be encoded (a lone surrogate): the caller's error, not the upstream's.
      return Promise.reject(error);
    }
    const instance = this.#withWork();
    if (instance === undefined) {
      let sent: Promise<Collected>;
      try {
        sent = collect(
          this.#agent,
          {
            target: this.#target(request.baseUrl),
            path: url,
            method: write === undefined ? "GET" : write.method,
            headers: write === undefined ? request.headers : write.headers,
            body: write?.data,
            stopper: cancellation ?? request.signal,
          },
          this.#limit,
        );
      } catch (error) {
        // A base URL that does not parse, as axios's path would reject it.
        return Promise.reject(this.#failure(request, error));
      }
      return sent.then(undefined, (error: unknown) => {
        throw this.#failure(request, error);
      });
    }
    let sent: Promise<AxiosResponse<Collected>>;
    try {
      // Literal configs of as few keys as each needs: axios merges every key it is given.
      sent =
        write === undefined
          ? cancellation === undefined
            ? instance.request<Collected>({
                url,
                baseURL: request.baseUrl,
                portico: new PorticoCall(request.headers, undefined),
                signal: request.signal,
              })
            : instance.request<Collected>({
                url,
                baseURL: request.baseUrl,
                portico: new PorticoCall(request.headers, cancellation),
              })
          : instance.request<Collected>({
              url,
              baseURL: request.baseUrl,
              method: write.method,
              data: write.data,
              portico: new PorticoCall(write.headers, cancellation),
              ...(cancellation === undefined ? { signal: request.signal } : {}),
            });
    } catch (error) {
      return Promise.reject(this.#failure(request, error));
    }
    // Handlers on axios's promise rather than an async function: this is on every upstream call.
    return sent.then(dataOf, (error: unknown) => {
      throw this.#failure(request, error);
    });
  }

  /** What a failed exchange means to the service client. */
  #failure(request: TransportRequest, error: unknown): Error {
    if (isCancelled(request)) return new ClientClosedError();
    if (error instanceof BodyTooLargeError) {
      return new UpstreamBadResponseError(request.service, "body too large", error);
    }
    // The answer began and broke off: not safe to retry as if nothing happened.
    if (error instanceof AnswerBrokeOffError)
      return new UpstreamConnectionError(request.service, false, error.cause);
    // Refused, reset or cut before any answer arrived: safe to retry an idempotent call.
    // Refused on connect, nothing was sent at all: safe to retry even a write.
    return new UpstreamConnectionError(request.service, true, error, wasRefused(error));
  }

  #target(baseUrl: string): Target {
    let target = this.#targets.get(baseUrl);
    if (target === undefined) {
      const url = new URL(baseUrl);
      target = { origin: url.origin, prefix: url.pathname === "/" ? "" : url.pathname.replace(/\/+$/, "") };
      // Instances come from configuration or discovery: a bounded set, but keep it bounded anyway.
      if (this.#targets.size >= 1024) this.#targets.clear();
      this.#targets.set(baseUrl, target);
    }
    return target;
  }
}

/**
 * True when the connection was refused on connect (`ECONNREFUSED`), so the
 * request never left: a reset (`ECONNRESET`, undici's `UND_ERR_SOCKET`)
 * may come after it was sent. With several addresses tried, every one must
 * have refused.
 */
function wasRefused(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (Array.isArray(errors) && errors.length > 0) return errors.every(wasRefused);
  return code === "ECONNREFUSED";
}
