import { ERROR_CODES, type ErrorCode } from "./codes.js";

/**
 * Marks gateway errors in a way that survives duplicate copies of this
 * package (`instanceof` does not): the symbol is shared through the global registry.
 */
const GATEWAY_ERROR = Symbol.for("@portico/core.GatewayError");

export interface GatewayErrorOptions {
  cause?: unknown;
  /** The upstream service involved, for logs and metrics (never its URL). */
  service?: string;
  /** Seconds a client should wait before trying again (503, 429). */
  retryAfterS?: number;
  /**
   * The HTTP status of this one error when it is not its code's
   * (`ERROR_CODES`): a write's 4xx relayed with the upstream's own status.
   */
  statusOverride?: number;
}

/**
 * Base of every failure Portico knows about. `code` is stable and decides
 * the HTTP status (see `ERROR_CODES`); `message` is safe to show a client.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly service: string | undefined;
  readonly retryAfterS: number | undefined;
  readonly statusOverride: number | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.service = options.service;
    this.retryAfterS = options.retryAfterS;
    this.statusOverride = options.statusOverride;
  }

  /** The HTTP status it is answered with: its own override, else its code's. */
  get status(): number {
    return this.statusOverride ?? ERROR_CODES[this.code].status;
  }

  get [GATEWAY_ERROR](): true {
    return true;
  }
}

export class InvalidInputError extends GatewayError {
  constructor(message: string) {
    super("INVALID_INPUT", message);
  }
}

export class UnauthorizedError extends GatewayError {
  constructor(message = "Missing or invalid credentials") {
    super("UNAUTHORIZED", message);
  }
}

/** A browser page from an origin this BFF does not serve asked for something it must not get (a WebSocket). */
export class ForbiddenOriginError extends GatewayError {
  constructor() {
    super("FORBIDDEN_ORIGIN", "This origin may not open a connection here");
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string, options?: GatewayErrorOptions) {
    super("NOT_FOUND", message, options);
  }
}

export class RateLimitedError extends GatewayError {
  constructor(retryAfterS: number) {
    super("RATE_LIMITED", "Rate limit exceeded for this key", { retryAfterS });
  }
}

/**
 * The service's reason for refusing a request: the `error` field of its JSON
 * answer (`{"error":"out_of_stock"}`), only when it is a short token, so an
 * upstream's free text (hosts, stack traces) never reaches a client.
 */
function reasonOf(body: unknown): string | undefined {
  const reason = (body as { error?: unknown } | null | undefined)?.error;
  return typeof reason === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(reason) ? reason : undefined;
}

/**
 * The upstream answered 404: an answer, not a failure of the service. A
 * write's 404 carries the service's JSON answer (`{"error":"unknown_product"}`)
 * and its reason, which the message names.
 */
export class UpstreamNotFoundError extends GatewayError {
  /** The service's reason (its answer's `error` field), when it gave a short one. */
  readonly reason: string | undefined;

  constructor(
    service: string,
    /** The service's parsed JSON answer, when there was one (writes). */
    readonly body?: unknown,
  ) {
    const reason = reasonOf(body);
    super(
      "UPSTREAM_NOT_FOUND",
      `The ${service} service has no such resource${reason === undefined ? "" : `: ${reason}`}`,
      { service },
    );
    this.reason = reason;
  }
}

/**
 * A write's 4xx (other than 404): the service works and refused the write
 * (409 `out_of_stock`, 422). Answered with the upstream's own status and
 * the service's reason in the message (contract 2.6), so the BFF relays it
 * as it is. Counted as an answer by the breaker.
 */
export class UpstreamWriteRejectedError extends GatewayError {
  /** The service's reason (its answer's `error` field), when it gave a short one. */
  readonly reason: string | undefined;

  constructor(
    service: string,
    readonly upstreamStatus: number,
    /** The service's parsed JSON answer, e.g. `{"error":"out_of_stock","productId":"p1"}`. */
    readonly body?: unknown,
  ) {
    if (!Number.isInteger(upstreamStatus) || upstreamStatus < 400 || upstreamStatus > 499) {
      throw new RangeError(`A rejected write has a 4xx status, not ${upstreamStatus}`);
    }
    const reason = reasonOf(body);
    super(
      "UPSTREAM_WRITE_REJECTED",
      `The ${service} service refused the request${reason === undefined ? "" : `: ${reason}`}`,
      { service, statusOverride: upstreamStatus },
    );
    this.reason = reason;
  }
}

/** The upstream answered another 4xx: it works, but refused what we asked. */
export class UpstreamRejectedError extends GatewayError {
  constructor(
    service: string,
    readonly upstreamStatus: number,
  ) {
    super("UPSTREAM_REJECTED", `The ${service} service rejected the request (${upstreamStatus})`, {
      service,
    });
  }
}

export class UpstreamStatusError extends GatewayError {
  constructor(
    service: string,
    readonly upstreamStatus: number,
  ) {
    super("UPSTREAM_STATUS", `The ${service} service failed (${upstreamStatus})`, { service });
  }
}

/** Bad JSON, or JSON that is not the documented shape. */
export class UpstreamBadResponseError extends GatewayError {
  constructor(service: string, reason: string, cause?: unknown) {
    super("UPSTREAM_BAD_RESPONSE", `The ${service} service sent an invalid answer: ${reason}`, {
      service,
      cause,
    });
  }
}

export class UpstreamConnectionError extends GatewayError {
  constructor(
    service: string,
    /** True when the connection failed before any answer began: safe to retry an idempotent call. */
    readonly beforeResponse: boolean,
    cause?: unknown,
    /**
     * True when the request was not sent at all (the connection was
     * refused): safe to retry even a write. A reset after the request went
     * out is `beforeResponse` but not `notSent`: its outcome is uncertain.
     */
    readonly notSent = false,
  ) {
    super("UPSTREAM_CONNECTION", `The ${service} service could not be reached`, { service, cause });
  }
}

export class NoInstanceError extends GatewayError {
  constructor(service: string) {
    super("NO_INSTANCE", `No healthy instance of the ${service} service`, { service, retryAfterS: 1 });
  }
}

/**
 * The service registry (etcd) could not be reached in time at start-up. A
 * start-up failure, never a client answer: its message names the endpoints.
 */
export class RegistryUnavailableError extends GatewayError {
  constructor(message: string, cause?: unknown) {
    super("REGISTRY_UNAVAILABLE", message, { cause });
  }
}

export class CircuitOpenError extends GatewayError {
  constructor(service: string, retryAfterS: number) {
    super("CIRCUIT_OPEN", `The ${service} service is failing; calls are suspended`, { service, retryAfterS });
  }
}

export class BulkheadFullError extends GatewayError {
  constructor(service: string) {
    super("BULKHEAD_FULL", `Too many calls in flight to the ${service} service`, { service, retryAfterS: 1 });
  }
}

export class OverloadedError extends GatewayError {
  constructor() {
    super("OVERLOADED", "The gateway is overloaded", { retryAfterS: 1 });
  }
}

/** The request body is larger than the edge accepts (contract section 6). */
export class PayloadTooLargeError extends GatewayError {
  constructor(maxBytes: number) {
    super("PAYLOAD_TOO_LARGE", `The request body is larger than ${maxBytes} bytes`);
  }
}

/** A body that is not `Content-Type: application/json` where JSON is taken (contract 2.6). */
export class UnsupportedMediaTypeError extends GatewayError {
  constructor() {
    super("UNSUPPORTED_MEDIA_TYPE", "The body must be Content-Type: application/json");
  }
}

/** An `Idempotency-Key` already answered, sent again with another body (422, contract 2.6). */
export class IdempotencyKeyReusedError extends GatewayError {
  constructor() {
    super("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with another body");
  }
}

/** An `Idempotency-Key` whose first request is still running (409 with `Retry-After`). */
export class IdempotencyKeyInUseError extends GatewayError {
  constructor(retryAfterS: number) {
    super("IDEMPOTENCY_KEY_IN_USE", "A request with this Idempotency-Key is still in progress", {
      retryAfterS,
    });
  }
}

/** An order asked for with nothing in the cart (422): nothing reaches the orders service. */
export class CartEmptyError extends GatewayError {
  constructor() {
    super("CART_EMPTY", "The cart is empty");
  }
}

/** The request target is longer than the edge accepts (contract section 6). */
export class UriTooLongError extends GatewayError {
  constructor(maxBytes: number) {
    super("URI_TOO_LONG", `The URL is longer than ${maxBytes} bytes`);
  }
}

/** The request headers are larger than the edge accepts (contract section 6). */
export class HeadersTooLargeError extends GatewayError {
  constructor(maxBytes: number) {
    super("HEADERS_TOO_LARGE", `The request headers are larger than ${maxBytes} bytes`);
  }
}

export class UpstreamTimeoutError extends GatewayError {
  constructor(service: string, timeoutMs: number) {
    super("UPSTREAM_TIMEOUT", `The ${service} service did not answer within ${Math.round(timeoutMs)} ms`, {
      service,
    });
  }
}

export class DeadlineExceededError extends GatewayError {
  constructor(service?: string) {
    super("DEADLINE_EXCEEDED", "The request deadline passed", service === undefined ? {} : { service });
  }
}

export class ClientClosedError extends GatewayError {
  constructor() {
    super("CLIENT_CLOSED", "The client closed the request");
  }
}

export class ConfigError extends GatewayError {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super("CONFIG_INVALID", `Invalid configuration: ${variable} ${reason}`);
  }
}

/** Narrowing helper that also accepts errors thrown across package copies. */
export function isGatewayError(error: unknown): error is GatewayError {
  if (error instanceof GatewayError) return true;
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { [GATEWAY_ERROR]?: unknown })[GATEWAY_ERROR] === true
  );
}
