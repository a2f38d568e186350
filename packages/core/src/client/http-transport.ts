import axios, { type AxiosAdapter, type AxiosInstance, type AxiosResponse } from "axios";
import { Agent, type Dispatcher } from "undici";
import {
  ClientClosedError,
  GatewayError,
  UpstreamBadResponseError,
  UpstreamConnectionError,
} from "../errors/index.js";
import {
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

/**
 * An axios adapter that sends through undici's keep-alive pools: service
 * clients keep axios's API (config, interceptors), undici does the I/O,
 * which profiles showed far cheaper than axios's own http adapter
 * (docs/performance.md). The body is handed back unread, as a stream.
 * A write (`HttpTransport.send`) passes its method and its body, already
 * serialised as JSON; a GET (axios's lower-case "get") carries neither.
 */
function undiciAdapter(agent: Agent, targetOf: (baseUrl: string) => Target): AxiosAdapter {
  return async function undiciAdapter(config) {
    const { origin, prefix } = targetOf(config.baseURL ?? "");
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(config.headers ?? {})) {
      if (typeof value === "string") headers[name] = value;
    }
    let method: Dispatcher.HttpMethod = "GET";
    let body: string | undefined;
    if (config.method !== "get") {
      method = (config.method ?? "get").toUpperCase() as Dispatcher.HttpMethod;
      body = config.data as string | undefined;
      // axios gives a body-less POST or PUT a form content type of its own: there is no form.
      if (body === undefined) delete headers["Content-Type"];
    }
    const response = await agent.request({
      origin,
      path: prefix + (config.url ?? ""),
      method,
      headers,
      body,
      signal: (config.signal as AbortSignal | undefined) ?? null,
    });
    // undici's whole answer travels as `data`, its headers included: given
    // them, axios would copy and normalise every header twice per call
    // (AxiosHeaders), which a profile put at a fifth of its cost, and only
    // the pass-through reads them.
    return {
      data: response,
      status: response.statusCode,
      statusText: "",
      headers: {},
      config,
      request: null,
    } as AxiosResponse<Dispatcher.ResponseData>;
  };
}

/**
 * An axios instance with only the defaults these calls need. axios deep-merges
 * its instance defaults (headers per method, transitional flags, xsrf names,
 * environment classes) into every request config; a profile put that merge
 * at more than half of axios's cost per call, and none of those defaults
 * applies to a GET sent through the undici adapter (docs/performance.md).
 */
function leanAxios(adapter: AxiosAdapter): AxiosInstance {
  const instance = axios.create();
  const defaults = instance.defaults as unknown as Record<string, unknown>;
  for (const key of Object.keys(defaults)) delete defaults[key];
  Object.assign(defaults, {
    adapter,
    maxRedirects: 0,
    // Every status is an answer: the service client decides what a status means.
    validateStatus: null,
    transformRequest: [],
    transformResponse: [],
  });
  return instance;
}

/**
 * JSON over HTTP/1.1: axios for the client API, undici's keep-alive
 * connection pools (one pool per instance) underneath. The caller's signal
 * really cancels: undici destroys the socket of an aborted request.
 * Redirects are not followed, so an upstream cannot point the gateway
 * elsewhere, and bodies are not decompressed.
 */
export class HttpTransport implements Transport {
  readonly #agent: Agent;
  readonly #axios: AxiosInstance;
  readonly #maxBodyBytes: number;
  readonly #targets = new Map<string, Target>();

  constructor({ maxSockets = 256, maxBodyBytes = 8 * 1024 * 1024 }: HttpTransportOptions = {}) {
    this.#maxBodyBytes = maxBodyBytes;
    this.#agent = new Agent({ connections: maxSockets, pipelining: 1 });
    this.#axios = leanAxios(undiciAdapter(this.#agent, (baseUrl) => this.#target(baseUrl)));
  }

  async get(request: TransportRequest): Promise<TransportResponse> {
    const response = await this.#send(request);
    const status = response.statusCode;
    if (status < 200 || status >= 300) {
      // Only the status matters: drain the body so the socket goes back to the pool.
      response.body.dump().catch(() => {});
      return { status, body: undefined };
    }
    let text: string;
    try {
      text = await readText(response.body, this.#maxBodyBytes);
    } catch (error) {
      if (request.signal.aborted) throw new ClientClosedError();
      if (error instanceof BodyTooLargeError) {
        throw new UpstreamBadResponseError(request.service, "body too large", error);
      }
      // The answer began and broke off: not safe to retry as if nothing happened.
      throw new UpstreamConnectionError(request.service, false, error);
    }
    try {
      return { status, body: JSON.parse(text) as unknown };
    } catch (error) {
      throw new UpstreamBadResponseError(request.service, "malformed JSON", error);
    }
  }

  /**
   * Sends one write through the same axios instance and undici pool. The
   * body of a 2xx answer is parsed as JSON (an empty one is undefined), as
   * is a 4xx's (the service's reason; undefined when unreadable); a 3xx or
   * 5xx's is drained. A connection refused before anything was sent fails
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
    const response = await this.#send(request, { method: request.method, data, headers });
    const status = response.statusCode;
    const answered = status >= 200 && status < 300;
    if (!answered && (status < 400 || status >= 500)) {
      response.body.dump().catch(() => {});
      return { status, body: undefined };
    }
    let text: string;
    try {
      text = await readText(response.body, this.#maxBodyBytes);
    } catch (error) {
      if (request.signal.aborted) throw new ClientClosedError();
      // The refusal arrived; only its reason did not.
      if (!answered) return { status, body: undefined };
      if (error instanceof BodyTooLargeError) {
        throw new UpstreamBadResponseError(request.service, "body too large", error);
      }
      // The write was answered but its answer broke off: its outcome is known to the service only.
      throw new UpstreamConnectionError(request.service, false, error);
    }
    if (text === "") return { status, body: undefined };
    try {
      return { status, body: JSON.parse(text) as unknown };
    } catch (error) {
      if (!answered) return { status, body: undefined };
      throw new UpstreamBadResponseError(request.service, "malformed JSON", error);
    }
  }

  /** The raw answer, body unread and not decompressed, for relaying as it is. */
  async stream(request: TransportRequest): Promise<StreamResponse> {
    const response = await this.#send(request);
    return {
      status: response.statusCode,
      headers: response.headers as StreamResponse["headers"],
      body: response.body,
    };
  }

  async close(): Promise<void> {
    await this.#agent.destroy();
  }

  /** Sends the GET, or the write; resolves once the status and headers arrived. */
  async #send(
    request: TransportRequest,
    write?: {
      method: WriteMethod;
      data: string | undefined;
      headers: Readonly<Record<string, string>>;
    },
  ): Promise<Dispatcher.ResponseData> {
    // A caller already gone: no connection is even opened.
    if (request.signal.aborted) throw new ClientClosedError();
    try {
      // Two literal configs, so a GET's stays exactly what it was (axios merges every key it is given).
      const response =
        write === undefined
          ? await this.#axios.request<Dispatcher.ResponseData>({
              url: request.path + queryString(request.query),
              baseURL: request.baseUrl,
              headers: request.headers,
              signal: request.signal,
            })
          : await this.#axios.request<Dispatcher.ResponseData>({
              url: request.path + queryString(request.query),
              baseURL: request.baseUrl,
              method: write.method,
              headers: write.headers,
              data: write.data,
              signal: request.signal,
            });
      return response.data;
    } catch (error) {
      if (request.signal.aborted) throw new ClientClosedError();
      // Refused, reset or cut before any answer arrived: safe to retry an idempotent call.
      // Refused on connect, nothing was sent at all: safe to retry even a write.
      throw new UpstreamConnectionError(request.service, true, error, wasRefused(error));
    }
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

/** The whole body as UTF-8 text, failing past `limit` bytes (the socket is then closed). */
function readText(body: Dispatcher.ResponseData["body"], limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) body.destroy(new BodyTooLargeError(limit));
      else chunks.push(chunk);
    });
    body.once("end", () => {
      const text =
        chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8");
      // undici frees the socket one loop turn after the answer ends (setImmediate):
      // resolving after it lets the caller's next call reuse that socket, not open another.
      setImmediate(resolve, text);
    });
    body.once("error", reject);
  });
}
