import { describe, expect, it } from "vitest";
import {
  BulkheadFullError,
  CircuitOpenError,
  ClientClosedError,
  ConfigError,
  DeadlineExceededError,
  GatewayError,
  InvalidInputError,
  NoInstanceError,
  NotFoundError,
  OverloadedError,
  RateLimitedError,
  UnauthorizedError,
  UpstreamBadResponseError,
  UpstreamConnectionError,
  UpstreamNotFoundError,
  UpstreamRejectedError,
  UpstreamStatusError,
  UpstreamTimeoutError,
  UpstreamWriteRejectedError,
} from "../errors/index.js";
import { isAbandoned, isRetryable, isRetryableWrite, isServiceFailure } from "./failures.js";

interface Case {
  readonly error: unknown;
  readonly failure: boolean;
  readonly retryable: boolean;
  readonly abandoned: boolean;
}

const cases: Record<string, Case> = {
  "a 500": { error: new UpstreamStatusError("s", 500), failure: true, retryable: false, abandoned: false },
  "a 501": { error: new UpstreamStatusError("s", 501), failure: true, retryable: false, abandoned: false },
  "a 502": { error: new UpstreamStatusError("s", 502), failure: true, retryable: true, abandoned: false },
  "a 503": { error: new UpstreamStatusError("s", 503), failure: true, retryable: true, abandoned: false },
  "a 504": { error: new UpstreamStatusError("s", 504), failure: true, retryable: true, abandoned: false },
  "a redirect": {
    error: new UpstreamStatusError("s", 302),
    failure: true,
    retryable: false,
    abandoned: false,
  },
  "a refused connection": {
    error: new UpstreamConnectionError("s", true),
    failure: true,
    retryable: true,
    abandoned: false,
  },
  "a connection reset mid-answer": {
    error: new UpstreamConnectionError("s", false),
    failure: true,
    retryable: false,
    abandoned: false,
  },
  "a wrongly shaped answer": {
    error: new UpstreamBadResponseError("s", "unexpected shape"),
    failure: true,
    retryable: false,
    abandoned: false,
  },
  "a timeout": {
    error: new UpstreamTimeoutError("s", 800),
    failure: true,
    retryable: false,
    abandoned: false,
  },
  "a 404": { error: new UpstreamNotFoundError("s"), failure: false, retryable: false, abandoned: false },
  "a 400": { error: new UpstreamRejectedError("s", 400), failure: false, retryable: false, abandoned: false },
  "a write's 409": {
    error: new UpstreamWriteRejectedError("s", 409, { error: "out_of_stock" }),
    failure: false,
    retryable: false,
    abandoned: false,
  },
  "a client that left": { error: new ClientClosedError(), failure: false, retryable: false, abandoned: true },
  "a deadline already gone": {
    error: new DeadlineExceededError("s"),
    failure: false,
    retryable: false,
    abandoned: true,
  },
  "an open circuit": {
    error: new CircuitOpenError("s", 5),
    failure: false,
    retryable: false,
    abandoned: false,
  },
  "a full bulkhead": {
    error: new BulkheadFullError("s"),
    failure: false,
    retryable: false,
    abandoned: false,
  },
  "no instance": { error: new NoInstanceError("s"), failure: false, retryable: false, abandoned: false },
  "invalid input": {
    error: new InvalidInputError("bad"),
    failure: false,
    retryable: false,
    abandoned: false,
  },
  "bad credentials": { error: new UnauthorizedError(), failure: false, retryable: false, abandoned: false },
  "a missing resource": {
    error: new NotFoundError("gone"),
    failure: false,
    retryable: false,
    abandoned: false,
  },
  "a quota": { error: new RateLimitedError(3), failure: false, retryable: false, abandoned: false },
  overload: { error: new OverloadedError(), failure: false, retryable: false, abandoned: false },
  "bad configuration": {
    error: new ConfigError("PORT", "bad"),
    failure: false,
    retryable: false,
    abandoned: false,
  },
  "an internal gateway error": {
    error: new GatewayError("INTERNAL", "oops"),
    failure: false,
    retryable: false,
    abandoned: false,
  },
  "an unknown error": { error: new TypeError("boom"), failure: true, retryable: false, abandoned: false },
  "a thrown string": { error: "boom", failure: true, retryable: false, abandoned: false },
};

describe("failure classification", () => {
  for (const [name, { error, failure, retryable, abandoned }] of Object.entries(cases)) {
    it(`classifies ${name}: service failure ${failure}, retryable ${retryable}, abandoned ${abandoned}`, () => {
      expect(isServiceFailure(error)).toBe(failure);
      expect(isRetryable(error)).toBe(retryable);
      expect(isAbandoned(error)).toBe(abandoned);
    });
  }

  it("classifies by code, so an error from another copy of the package is still recognised", () => {
    const GATEWAY_ERROR = Symbol.for("@portico/core.GatewayError");
    const foreign = Object.assign(new Error("x"), {
      code: "UPSTREAM_STATUS",
      upstreamStatus: 503,
      [GATEWAY_ERROR]: true,
    });
    expect(isRetryable(foreign)).toBe(true);
    expect(isServiceFailure(foreign)).toBe(true);
  });
});

describe("which failures a write may retry", () => {
  it("retries only a connection refused before anything was sent", () => {
    expect(isRetryableWrite(new UpstreamConnectionError("s", true, undefined, true))).toBe(true);
  });

  const never: Record<string, unknown> = {
    "a reset after the request was sent": new UpstreamConnectionError("s", true),
    "a reset mid-answer": new UpstreamConnectionError("s", false),
    "a timeout": new UpstreamTimeoutError("s", 800),
    "a 503": new UpstreamStatusError("s", 503),
    "a 502": new UpstreamStatusError("s", 502),
    "a 500": new UpstreamStatusError("s", 500),
    "a 409": new UpstreamWriteRejectedError("s", 409),
    "a wrongly shaped answer": new UpstreamBadResponseError("s", "unexpected shape"),
    "an unknown error": new TypeError("boom"),
  };
  for (const [name, error] of Object.entries(never)) {
    it(`never retries ${name}`, () => {
      expect(isRetryableWrite(error)).toBe(false);
    });
  }

  it("reads the flag by code, across copies of the package", () => {
    const GATEWAY_ERROR = Symbol.for("@portico/core.GatewayError");
    const foreign = Object.assign(new Error("x"), {
      code: "UPSTREAM_CONNECTION",
      notSent: true,
      [GATEWAY_ERROR]: true,
    });
    expect(isRetryableWrite(foreign)).toBe(true);
  });
});
