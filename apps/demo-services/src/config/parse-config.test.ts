import { SERVICE_NAMES } from "@portico/core";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { parseConfig } from "./parse-config.js";

function errorOf(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("defaults to every service on the demo ports of 127.0.0.1", () => {
    expect(parseConfig({})).toEqual({
      host: "127.0.0.1",
      basePort: 7101,
      controlPort: 7100,
      services: [...SERVICE_NAMES],
      ports: {},
      auth: { issuer: "portico-auth", audience: "portico" },
    });
  });

  it("makes the control port ephemeral too when the base port is 0", () => {
    expect(parseConfig({ DEMO_BASE_PORT: "0" })).toMatchObject({ basePort: 0, controlPort: 0 });
    expect(parseConfig({ DEMO_BASE_PORT: "0", DEMO_CONTROL_PORT: "7300" })).toMatchObject({
      controlPort: 7300,
    });
  });

  it("reads the service list in contract order, ignoring blanks", () => {
    expect(parseConfig({ DEMO_SERVICES: " pricing, catalog,," }).services).toEqual(["catalog", "pricing"]);
  });

  it("reads per-service port overrides", () => {
    expect(parseConfig({ CATALOG_PORT: "7201", RECOMMENDATIONS_PORT: "0" }).ports).toEqual({
      catalog: 7201,
      recommendations: 0,
    });
  });

  it("serves inventory over gRPC too with INVENTORY_TRANSPORT=grpc, on 7204 or INVENTORY_GRPC_PORT", () => {
    expect(parseConfig({}).grpc).toBeUndefined();
    expect(parseConfig({ INVENTORY_TRANSPORT: "http" }).grpc).toBeUndefined();
    expect(parseConfig({ INVENTORY_TRANSPORT: "grpc" }).grpc).toEqual({ port: 7204 });
    expect(parseConfig({ INVENTORY_TRANSPORT: "grpc", DEMO_BASE_PORT: "0" }).grpc).toEqual({ port: 0 });
    expect(parseConfig({ INVENTORY_TRANSPORT: "grpc", INVENTORY_GRPC_PORT: "7304" }).grpc).toEqual({
      port: 7304,
    });
    // Not here when inventory does not run in this process.
    expect(parseConfig({ INVENTORY_TRANSPORT: "grpc", DEMO_SERVICES: "catalog" }).grpc).toBeUndefined();
  });

  it("reads the token issuer and audience", () => {
    expect(parseConfig({ AUTH_ISSUER: "me", AUTH_AUDIENCE: "you" }).auth).toEqual({
      issuer: "me",
      audience: "you",
    });
  });

  it.each([
    ["DEMO_BASE_PORT", { DEMO_BASE_PORT: "abc" }],
    ["DEMO_BASE_PORT", { DEMO_BASE_PORT: "65530" }],
    ["DEMO_CONTROL_PORT", { DEMO_CONTROL_PORT: "-1" }],
    ["DEMO_CONTROL_PORT", { DEMO_CONTROL_PORT: "70000" }],
    ["DEMO_SERVICES", { DEMO_SERVICES: "catalog,payments" }],
    ["DEMO_SERVICES", { DEMO_SERVICES: " , " }],
    ["DEMO_HOST", { DEMO_HOST: "not a host" }],
    ["CART_PORT", { CART_PORT: "12.5" }],
    ["PRICING_PORT", { PRICING_PORT: "7101" }],
    ["DEMO_BASE_PORT", { DEMO_BASE_PORT: "7100" }],
    ["INVENTORY_TRANSPORT", { INVENTORY_TRANSPORT: "amqp" }],
    ["INVENTORY_GRPC_PORT", { INVENTORY_TRANSPORT: "grpc", INVENTORY_GRPC_PORT: "x" }],
    ["INVENTORY_GRPC_PORT", { INVENTORY_TRANSPORT: "grpc", INVENTORY_GRPC_PORT: "7100" }],
  ])("names %s in the error for %j", (variable, env) => {
    const error = errorOf(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toContain("\n");
    expect(error.code).toBe("DEMO_ERR_CONFIG");
  });

  it("ignores clashes with services that do not run here", () => {
    expect(() => parseConfig({ DEMO_SERVICES: "catalog", PRICING_PORT: "7101" })).not.toThrow();
  });
});
