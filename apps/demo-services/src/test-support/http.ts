import { request } from "node:http";

export interface JsonAnswer<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** fetch + JSON body (null for an empty body). */
export async function fetchJson<T = unknown>(url: string, init?: RequestInit): Promise<JsonAnswer<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T };
}

/** POST a JSON body. */
export function postJson<T = unknown>(url: string, body: unknown): Promise<JsonAnswer<T>> {
  return fetchJson<T>(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** A request with a JSON body (any method), e.g. a PUT with extra headers. */
export function sendJson<T = unknown>(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer<T>> {
  return fetchJson<T>(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** The node:http error code behind a rejected raw request, e.g. ECONNREFUSED. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export interface RawOptions {
  readonly timeoutMs?: number;
  /** Sees the status line as soon as it arrives, before the body. */
  readonly onResponse?: (status: number) => void;
}

export interface RawRequestOptions extends RawOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Sent as JSON (with its content-type) when given. */
  readonly json?: unknown;
}

/**
 * A request on a fresh connection (no pooling), for fault tests that must
 * see exactly what the socket did. Rejects with the socket error, or with
 * code `TEST_TIMEOUT` after `timeoutMs`.
 */
export function rawRequest(
  url: string,
  { timeoutMs = 2000, onResponse, method = "GET", headers = {}, json }: RawRequestOptions = {},
): Promise<RawAnswer> {
  const body = json === undefined ? undefined : JSON.stringify(json);
  const allHeaders = body === undefined ? headers : { "content-type": "application/json", ...headers };
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, method, headers: allHeaders }, (res) => {
      onResponse?.(res.statusCode ?? 0);
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "TEST_TIMEOUT" }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A GET on a fresh connection; see {@link rawRequest}. */
export function rawGet(url: string, options: RawOptions = {}): Promise<RawAnswer> {
  return rawRequest(url, options);
}
