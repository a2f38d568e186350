/**
 * The registry of every stable error code Portico answers with: the one place
 * that decides the HTTP status and the problem+json title of a failure.
 */
export const ERROR_CODES = {
  INVALID_INPUT: { status: 400, title: "Invalid input" },
  UNAUTHORIZED: { status: 401, title: "Unauthorized" },
  FORBIDDEN_ORIGIN: { status: 403, title: "Forbidden" },
  NOT_FOUND: { status: 404, title: "Not found" },
  ROUTE_NOT_FOUND: { status: 404, title: "Not found" },
  METHOD_NOT_ALLOWED: { status: 405, title: "Method not allowed" },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, title: "Conflict" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "Content too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Unsupported media type" },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: "Unprocessable content" },
  CART_EMPTY: { status: 422, title: "Unprocessable content" },
  URI_TOO_LONG: { status: 414, title: "URI too long" },
  HEADERS_TOO_LARGE: { status: 431, title: "Request header fields too large" },
  RATE_LIMITED: { status: 429, title: "Too many requests" },
  UPSTREAM_NOT_FOUND: { status: 404, title: "Not found" },
  UPSTREAM_REJECTED: { status: 502, title: "Bad gateway" },
  // Answered with the upstream's own 4xx (the error's `statusOverride`); 422 only names the family.
  UPSTREAM_WRITE_REJECTED: { status: 422, title: "Rejected by the service" },
  UPSTREAM_STATUS: { status: 502, title: "Bad gateway" },
  UPSTREAM_BAD_RESPONSE: { status: 502, title: "Bad gateway" },
  UPSTREAM_CONNECTION: { status: 502, title: "Bad gateway" },
  NO_INSTANCE: { status: 503, title: "Service unavailable" },
  REGISTRY_UNAVAILABLE: { status: 503, title: "Service unavailable" },
  CIRCUIT_OPEN: { status: 503, title: "Service unavailable" },
  BULKHEAD_FULL: { status: 503, title: "Service unavailable" },
  OVERLOADED: { status: 503, title: "Service unavailable" },
  BROKER_UNAVAILABLE: { status: 503, title: "Service unavailable" },
  LIVE_UPDATES_OFF: { status: 503, title: "Live updates are off" },
  UPSTREAM_TIMEOUT: { status: 504, title: "Gateway timeout" },
  DEADLINE_EXCEEDED: { status: 504, title: "Gateway timeout" },
  CLIENT_CLOSED: { status: 499, title: "Client closed request" },
  CONFIG_INVALID: { status: 500, title: "Invalid configuration" },
  INTERNAL: { status: 500, title: "Internal error" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
