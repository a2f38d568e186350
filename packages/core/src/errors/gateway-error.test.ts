import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "./codes.js";
import {
  BulkheadFullError,
  CircuitOpenError,
  ClientClosedError,
  ConfigError,
  DeadlineExceededError,
  GatewayError,
  HeadersTooLargeError,
  InvalidInputError,
  isGatewayError,
  NoInstanceError,
  NotFoundError,
  OverloadedError,
  PayloadTooLargeError,
  RateLimitedError,
  UnauthorizedError,
  UpstreamBadResponseError,
  UpstreamConnectionError,
  UpstreamNotFoundError,
  UpstreamRejectedError,
  UpstreamStatusError,
  UpstreamTimeoutError,
  UpstreamWriteRejectedError,
  UriTooLongError,
} from "./gateway-error.js";

/** One instance of every GatewayError subclass, with the status the contract gives it. */
const examples: ReadonlyArray<readonly [GatewayError, number]> = [
  [new InvalidInputError("bad id"), 400],
  [new UnauthorizedError(), 401],
  [new NotFoundError("no such product"), 404],
  [new RateLimitedError(12), 429],
  [new UpstreamNotFoundError("catalog"), 404],
  [new UpstreamRejectedError("catalog", 400), 502],
  [new UpstreamWriteRejectedError("orders", 409, { error: "out_of_stock", productId: "p1" }), 409],
  [new UpstreamStatusError("catalog", 500), 502],
  [new UpstreamBadResponseError("catalog", "malformed JSON"), 502],
  [new UpstreamConnectionError("catalog", true), 502],
  [new NoInstanceError("catalog"), 503],
  [new CircuitOpenError("catalog", 4), 503],
  [new BulkheadFullError("catalog"), 503],
  [new OverloadedError(), 503],
  [new UpstreamTimeoutError("catalog", 800), 504],
  [new DeadlineExceededError("catalog"), 504],
  [new ClientClosedError(), 499],
  [new ConfigError("PORT", "must be a number"), 500],
  [new PayloadTooLargeError(65_536), 413],
  [new UriTooLongError(4096), 414],
  [new HeadersTooLargeError(16_384), 431],
];

describe("ERROR_CODES", () => {
  it("holds each code once, each with a title", () => {
    const codes = Object.keys(ERROR_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    for (const entry of Object.values(ERROR_CODES)) expect(entry.title).not.toBe("");
  });

  it("maps every code to the status the contract documents", () => {
    const statuses = Object.fromEntries(
      Object.entries(ERROR_CODES).map(([code, { status }]) => [code, status]),
    );
    expect(statuses).toEqual({
      INVALID_INPUT: 400,
      UNAUTHORIZED: 401,
      FORBIDDEN_ORIGIN: 403,
      NOT_FOUND: 404,
      ROUTE_NOT_FOUND: 404,
      METHOD_NOT_ALLOWED: 405,
      IDEMPOTENCY_KEY_IN_USE: 409,
      PAYLOAD_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 415,
      IDEMPOTENCY_KEY_REUSED: 422,
      CART_EMPTY: 422,
      URI_TOO_LONG: 414,
      HEADERS_TOO_LARGE: 431,
      RATE_LIMITED: 429,
      UPSTREAM_NOT_FOUND: 404,
      UPSTREAM_REJECTED: 502,
      UPSTREAM_WRITE_REJECTED: 422,
      UPSTREAM_STATUS: 502,
      UPSTREAM_BAD_RESPONSE: 502,
      UPSTREAM_CONNECTION: 502,
      NO_INSTANCE: 503,
      REGISTRY_UNAVAILABLE: 503,
      CIRCUIT_OPEN: 503,
      BULKHEAD_FULL: 503,
      OVERLOADED: 503,
      BROKER_UNAVAILABLE: 503,
      LIVE_UPDATES_OFF: 503,
      UPSTREAM_TIMEOUT: 504,
      DEADLINE_EXCEEDED: 504,
      CLIENT_CLOSED: 499,
      CONFIG_INVALID: 500,
      INTERNAL: 500,
    });
    // Every client-facing failure status is one the contract lists (405, 413, 414, 431: section 6; 499/500: never an answer body),
    // or 403, a WebSocket upgrade from a foreign origin, where the contract is silent (docs/hardening.md);
    // 422: a write the service refused, an empty cart or a reused Idempotency-Key (2.6), whose own status an
    // error may carry instead (statusOverride); 409: a key still in progress, 415: a body not JSON (2.6).
    const documented = new Set([
      400, 401, 403, 404, 405, 409, 413, 414, 415, 422, 429, 431, 499, 500, 502, 503, 504,
    ]);
    for (const status of Object.values(statuses)) expect(documented.has(status)).toBe(true);
  });
});

describe("GatewayError subclasses", () => {
  for (const [error, status] of examples) {
    it(`${error.constructor.name} uses a registered code answering ${status}`, () => {
      expect(Object.hasOwn(ERROR_CODES, error.code)).toBe(true);
      expect(error.status).toBe(status);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(error.constructor.name);
      expect(isGatewayError(error)).toBe(true);
    });
  }

  it("uses a distinct code per subclass", () => {
    const codes = examples.map(([error]) => error.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("carries Retry-After for the statuses that need it", () => {
    expect(new RateLimitedError(12).retryAfterS).toBe(12);
    expect(new CircuitOpenError("catalog", 4).retryAfterS).toBe(4);
    expect(new BulkheadFullError("catalog").retryAfterS).toBe(1);
    expect(new OverloadedError().retryAfterS).toBe(1);
    expect(new NoInstanceError("catalog").retryAfterS).toBe(1);
  });

  it("names the service but never a URL or host in messages", () => {
    for (const [error] of examples) {
      expect(error.message).not.toMatch(/https?:\/\/|127\.0\.0\.1|localhost/);
    }
    expect(new UpstreamStatusError("pricing", 503)).toMatchObject({
      service: "pricing",
      upstreamStatus: 503,
    });
  });

  it("keeps the cause for logs", () => {
    const cause = new Error("ECONNREFUSED 127.0.0.1:7101");
    expect(new UpstreamConnectionError("catalog", true, cause).cause).toBe(cause);
    expect(new UpstreamConnectionError("catalog", true).beforeResponse).toBe(true);
  });

  it("answers a refused write with the upstream's own 4xx and names the service's reason", () => {
    for (const status of [400, 409, 410, 422]) {
      const error = new UpstreamWriteRejectedError("orders", status, {
        error: "out_of_stock",
        productId: "p1",
      });
      expect(error).toMatchObject({
        code: "UPSTREAM_WRITE_REJECTED",
        status,
        statusOverride: status,
        upstreamStatus: status,
        reason: "out_of_stock",
        body: { error: "out_of_stock", productId: "p1" },
      });
      expect(error.message).toBe("The orders service refused the request: out_of_stock");
    }
    expect(() => new UpstreamWriteRejectedError("orders", 503)).toThrow(RangeError);
    expect(() => new UpstreamWriteRejectedError("orders", 200)).toThrow(RangeError);
  });

  it("keeps an upstream's free text out of the message: only a short reason token is named", () => {
    const leaky = { error: "connect ECONNREFUSED 10.0.0.7:5432 at Db.query (/srv/app/db.js:12)" };
    const rejected = new UpstreamWriteRejectedError("cart", 422, leaky);
    expect(rejected.reason).toBeUndefined();
    expect(rejected.message).toBe("The cart service refused the request");
    expect(rejected.body).toBe(leaky);
    expect(new UpstreamWriteRejectedError("cart", 422, "not json").reason).toBeUndefined();
  });

  it("carries a write's 404 body and reason; a read's 404 has neither", () => {
    const error = new UpstreamNotFoundError("cart", { error: "unknown_product" });
    expect(error).toMatchObject({
      status: 404,
      reason: "unknown_product",
      body: { error: "unknown_product" },
    });
    expect(error.message).toBe("The cart service has no such resource: unknown_product");
    expect(new UpstreamNotFoundError("catalog")).toMatchObject({ reason: undefined, body: undefined });
    expect(new UpstreamNotFoundError("catalog").message).toBe("The catalog service has no such resource");
  });

  it("answers with a code's status unless the error carries its own", () => {
    expect(new GatewayError("UPSTREAM_WRITE_REJECTED", "x").status).toBe(422);
    expect(new GatewayError("UPSTREAM_WRITE_REJECTED", "x", { statusOverride: 409 }).status).toBe(409);
    expect(new UpstreamStatusError("catalog", 503).statusOverride).toBeUndefined();
  });

  it("tells a refused connection (nothing sent) from one that failed after sending", () => {
    expect(new UpstreamConnectionError("orders", true, undefined, true).notSent).toBe(true);
    expect(new UpstreamConnectionError("orders", true).notSent).toBe(false);
  });

  it("names the variable of a configuration error", () => {
    const error = new ConfigError("DISCOVERY", "must be static or etcd");
    expect(error.variable).toBe("DISCOVERY");
    expect(error.message).toBe("Invalid configuration: DISCOVERY must be static or etcd");
  });
});

describe("isGatewayError", () => {
  it("tells gateway errors from others", () => {
    expect(isGatewayError(new TypeError("x"))).toBe(false);
    expect(isGatewayError({ code: "INTERNAL", status: 500 })).toBe(false);
    expect(isGatewayError(null)).toBe(false);
    expect(isGatewayError("INTERNAL")).toBe(false);
  });

  it("recognises a gateway error thrown by another copy of the package", () => {
    const brand = Symbol.for("@portico/core.GatewayError");
    const foreign = Object.assign(new Error("x"), { code: "NOT_FOUND", status: 404, [brand]: true });
    expect(isGatewayError(foreign)).toBe(true);
  });
});
