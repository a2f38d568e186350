import http from "node:http";
import https from "node:https";
import axios, { type AxiosInstance, isAxiosError } from "axios";
import { ClientClosedError, UpstreamBadResponseError, UpstreamConnectionError } from "../errors/index.js";
import {
  queryString,
  type StreamResponse,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from "./transport.js";

export interface HttpTransportOptions {
  /** Most sockets kept per instance. Default 256. */
  maxSockets?: number;
  /** Largest upstream body accepted, in bytes. Default 8 MiB. */
  maxBodyBytes?: number;
}

/**
 * JSON over HTTP/1.1 with axios and keep-alive agents. The caller's signal
 * really cancels: axios destroys the request and its socket on abort.
 * Redirects are not followed, so an upstream cannot point the gateway elsewhere.
 */
export class HttpTransport implements Transport {
  readonly #axios: AxiosInstance;
  readonly #agents: { http: http.Agent; https: https.Agent };

  constructor({ maxSockets = 256, maxBodyBytes = 8 * 1024 * 1024 }: HttpTransportOptions = {}) {
    this.#agents = {
      http: new http.Agent({ keepAlive: true, maxSockets, scheduling: "lifo" }),
      https: new https.Agent({ keepAlive: true, maxSockets, scheduling: "lifo" }),
    };
    this.#axios = axios.create({
      httpAgent: this.#agents.http,
      httpsAgent: this.#agents.https,
      maxRedirects: 0,
      maxContentLength: maxBodyBytes,
      responseType: "text",
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      proxy: false,
    });
  }

  async get(request: TransportRequest): Promise<TransportResponse> {
    const url = request.baseUrl + request.path + queryString(request.query);
    let status: number;
    let text: unknown;
    try {
      const response = await this.#axios.get<string>(url, {
        headers: request.headers,
        signal: request.signal,
      });
      status = response.status;
      text = response.data;
    } catch (error) {
      throw classify(error, request);
    }
    if (status < 200 || status >= 300) return { status, body: undefined };
    if (typeof text !== "string") throw new UpstreamBadResponseError(request.service, "not a text body");
    try {
      return { status, body: JSON.parse(text) as unknown };
    } catch (error) {
      throw new UpstreamBadResponseError(request.service, "malformed JSON", error);
    }
  }

  /** The raw answer, body unread and not decompressed, for relaying as it is. */
  async stream(request: TransportRequest): Promise<StreamResponse> {
    const url = request.baseUrl + request.path + queryString(request.query);
    try {
      const response = await this.#axios.get<StreamResponse["body"]>(url, {
        headers: request.headers,
        signal: request.signal,
        responseType: "stream",
        decompress: false,
      });
      return {
        status: response.status,
        headers: response.headers as StreamResponse["headers"],
        body: response.data,
      };
    } catch (error) {
      throw classify(error, request);
    }
  }

  async close(): Promise<void> {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }
}

function classify(error: unknown, request: TransportRequest): Error {
  if (request.signal.aborted) return new ClientClosedError();
  if (isAxiosError(error)) {
    // `request.res` is set once the status line arrived: a failure after it
    // broke an answer mid-body, and must not be retried as if nothing happened.
    const clientRequest = error.request as { res?: unknown } | undefined;
    const answered = error.response !== undefined || clientRequest?.res != null;
    if (error.code === "ERR_BAD_RESPONSE" && answered) {
      return new UpstreamBadResponseError(request.service, "broken response", error);
    }
    return new UpstreamConnectionError(request.service, !answered, error);
  }
  return new UpstreamConnectionError(request.service, false, error);
}
