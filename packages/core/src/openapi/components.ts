/** A JSON object of an OpenAPI document. */
export type JsonObject = Record<string, unknown>;

/**
 * The response headers a Portico BFF sends (contract 2 and 2.8), as
 * OpenAPI header objects: a document lists those its operations name.
 */
export const COMMON_HEADERS: Readonly<Record<string, JsonObject>> = {
  "X-Request-Id": {
    description:
      "The caller's `X-Request-Id` when it matches the pattern, else a new one; on every answer, and forwarded to every upstream call.",
    schema: { type: "string", pattern: "^[A-Za-z0-9._-]{1,128}$" },
  },
  "Server-Timing": {
    description:
      "Time spent per upstream service called, e.g. `catalog;dur=12.4, pricing;dur=3.1`; absent when none was.",
    schema: { type: "string" },
  },
  "Cache-Control": {
    description:
      "`no-store` on problems, writes and answers with a non-empty `degraded` map; `private, no-cache` on an answer to an authenticated request; `public, max-age=N` (`CLIENT_MAX_AGE_S`) on an anonymous, fresh composite.",
    schema: { type: "string" },
  },
  ETag: {
    description:
      "A composite's weak validator of its body (before compression): send it back in `If-None-Match` to get a 304 while the content is unchanged. A pass-through relays the upstream's.",
    schema: { type: "string" },
  },
  Vary: {
    description: "`Accept-Encoding` (compression on, body over 1,024 bytes) and `Origin` (CORS on).",
    schema: { type: "string" },
  },
  Location: {
    description: "This BFF's own path of the created resource.",
    schema: { type: "string" },
  },
  "Idempotent-Replayed": {
    description: "`true` when the answer is the one kept for this `Idempotency-Key`, sent again.",
    schema: { type: "string", enum: ["true"] },
  },
  "Retry-After": {
    description: "Seconds to wait before trying again.",
    schema: { type: "integer", minimum: 0 },
  },
  Allow: {
    description: "The methods the path takes (on a 405).",
    schema: { type: "string" },
  },
  "WWW-Authenticate": {
    description: 'The challenge, e.g. `Bearer realm="portico", error="invalid_token"`.',
    schema: { type: "string" },
  },
};

/** A problem+json answer under `components.responses`, by status. */
export interface ProblemResponse {
  /** Its name under `components.responses`. */
  readonly name: string;
  readonly description: string;
  /** Names of header components it carries. */
  readonly headers: readonly string[];
}

const PROBLEM_HEADERS = ["X-Request-Id", "Server-Timing", "Cache-Control", "Vary"] as const;

/**
 * The problem answers of contract 2 and 2.6, by status; `default` is any
 * other (405, 414, 431, a 503 of load shedding, 500, …).
 */
export const PROBLEM_RESPONSES: Readonly<Record<number | "default", ProblemResponse>> = {
  400: {
    name: "BadRequest",
    description: "Invalid input: a parameter, header or body does not match its schema; `detail` names it.",
    headers: PROBLEM_HEADERS,
  },
  401: {
    name: "Unauthorized",
    description: "Missing, malformed, expired or otherwise invalid credentials.",
    headers: [...PROBLEM_HEADERS, "WWW-Authenticate"],
  },
  403: {
    name: "Forbidden",
    description: "The request's `Origin` is not allowed.",
    headers: PROBLEM_HEADERS,
  },
  404: { name: "NotFound", description: "No such resource.", headers: PROBLEM_HEADERS },
  409: {
    name: "Conflict",
    description: "The request conflicts with the resource's state.",
    headers: [...PROBLEM_HEADERS, "Retry-After"],
  },
  413: { name: "ContentTooLarge", description: "The body is over 64 KiB.", headers: PROBLEM_HEADERS },
  415: {
    name: "UnsupportedMediaType",
    description: "The body is not `application/json`.",
    headers: PROBLEM_HEADERS,
  },
  422: {
    name: "UnprocessableContent",
    description: "The request is well-formed but cannot be carried out.",
    headers: PROBLEM_HEADERS,
  },
  429: {
    name: "TooManyRequests",
    description: "Over quota; see `Retry-After`.",
    headers: [...PROBLEM_HEADERS, "Retry-After"],
  },
  502: {
    name: "BadGateway",
    description: "A required upstream service failed.",
    headers: PROBLEM_HEADERS,
  },
  503: {
    name: "ServiceUnavailable",
    description: "A required upstream service is shed (circuit open or bulkhead full); see `Retry-After`.",
    headers: [...PROBLEM_HEADERS, "Retry-After"],
  },
  504: {
    name: "GatewayTimeout",
    description: "A required upstream service timed out, or the request's deadline passed.",
    headers: PROBLEM_HEADERS,
  },
  default: {
    name: "OtherProblem",
    description:
      "Any other error (405, 414, 431, a 503 of load shedding, …), as an RFC 9457 problem document.",
    headers: [...PROBLEM_HEADERS, "Retry-After", "Allow"],
  },
};

/** The `Bearer` JWT scheme of the signed-in customer (mobile and web BFFs). */
export const BEARER_JWT_SCHEME: JsonObject = {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
  description:
    "A JWT of the shop's auth service (`Authorization: Bearer <token>`); its `sub` is the customer id. A token that is present but invalid is a 401, never an anonymous call.",
};
