import { describe, expect, it } from "vitest";
import { logBrokerEvents } from "./broker-log.js";

describe("logBrokerEvents", () => {
  it("logs losses and returns, and only some of many failed attempts", () => {
    const lines: Array<[string, unknown, string]> = [];
    const logger = {
      info: (obj: unknown, msg: string) => lines.push(["info", obj, msg]),
      warn: (obj: unknown, msg: string) => lines.push(["warn", obj, msg]),
    };
    const log = logBrokerEvents(logger as never);
    log({ type: "disconnected", error: new Error("socket closed") });
    for (let i = 0; i < 45; i++)
      log({ type: "connect-failed", error: new Error("ECONNREFUSED"), retryInMs: 100 });
    log({ type: "connected" });
    expect(lines.map(([level, , msg]) => `${level} ${msg}`)).toEqual([
      "warn message broker connection lost; reconnecting",
      "warn message broker unreachable; retrying",
      "warn message broker unreachable; retrying",
      "warn message broker unreachable; retrying",
      "info message broker connected",
    ]);
    expect(lines.at(-1)?.[1]).toEqual({ afterFailures: 45 });
  });
});
