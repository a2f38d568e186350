import { ConfigError, loadGatewayConfig } from "@portico/core";
import { describe, expect, it } from "vitest";
import { loadLiveConfig, loadWebConfig } from "./live-config.js";

describe("loadLiveConfig", () => {
  it("has the documented defaults", () => {
    expect(loadLiveConfig({})).toEqual({
      maxBufferedBytes: 1_048_576,
      heartbeatMs: 30_000,
      maxSockets: 10_000,
    });
  });

  it("reads the variables and refuses bad values, naming them", () => {
    expect(loadLiveConfig({ LIVE_HEARTBEAT_MS: "500", LIVE_MAX_SOCKETS: "3" })).toMatchObject({
      heartbeatMs: 500,
      maxSockets: 3,
    });
    for (const [name, value] of [
      ["LIVE_MAX_BUFFERED_BYTES", "1k"],
      ["LIVE_HEARTBEAT_MS", "0"],
      ["LIVE_MAX_SOCKETS", "-1"],
    ] as const) {
      expect(() => loadLiveConfig({ [name]: value })).toThrow(ConfigError);
      try {
        loadLiveConfig({ [name]: value });
      } catch (error) {
        expect((error as ConfigError).variable).toBe(name);
      }
    }
  });

  it("extends the shared configuration", () => {
    const base = loadGatewayConfig({}, { defaultPort: 8082 });
    expect(loadWebConfig({}, base)).toMatchObject({ port: 8082, live: { maxSockets: 10_000 } });
  });
});
