import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../errors/codes.js";
import { isGatewayError } from "../errors/index.js";
import { BrokerError, LiveUpdatesOffError } from "./messaging-errors.js";

describe("messaging errors", () => {
  it("use registered codes answering 503", () => {
    for (const error of [new BrokerError("unavailable"), new LiveUpdatesOffError()]) {
      expect(isGatewayError(error)).toBe(true);
      expect(Object.hasOwn(ERROR_CODES, error.code)).toBe(true);
      expect(error.status).toBe(503);
      expect(error.name).toBe(error.constructor.name);
    }
  });

  it("keeps why the broker failed, and the cause, but no URL in the message", () => {
    const cause = new Error("connect ECONNREFUSED 127.0.0.1:5672");
    const error = new BrokerError("lost", cause);
    expect(error.reason).toBe("lost");
    expect(error.cause).toBe(cause);
    expect(error.message).not.toMatch(/amqp:|127\.0\.0\.1/);
  });
});
