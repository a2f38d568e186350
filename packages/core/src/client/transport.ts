import { InvalidInputError } from "../errors/index.js";

/** One GET to one instance of an upstream service. */
export interface TransportRequest {
  /** Names the service in errors (never the URL: clients must not see hosts). */
  readonly service: string;
  readonly baseUrl: string;
  /** Path with every dynamic segment already encoded (see `encodePath`). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number>> | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

export interface TransportResponse {
  readonly status: number;
  /** The parsed JSON body of a 2xx answer; undefined otherwise. */
  readonly body: unknown;
}

/** An answer whose body is relayed as it arrives (pass-through routes). */
export interface StreamResponse {
  readonly status: number;
  /** Response headers, lower-case names, as the upstream sent them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: NodeJS.ReadableStream & { destroy(error?: Error): void };
}

/** Moves a request to an instance and back; HTTP today, AMQP for some services. */
export interface Transport {
  get(request: TransportRequest): Promise<TransportResponse>;
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

export function queryString(query: Readonly<Record<string, string | number>> | undefined): string {
  if (query === undefined) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) params.append(key, String(value));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}
