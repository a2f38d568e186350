import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/config-error.js";
import { parseRegistryConfig } from "./registry-config.js";

const variableOf = (env: Record<string, string>): string => {
  try {
    parseRegistryConfig({ DISCOVERY: "etcd", ...env }, "127.0.0.1");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).variable;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
};

describe("parseRegistryConfig", () => {
  it("registers nothing unless DISCOVERY=etcd", () => {
    expect(parseRegistryConfig({}, "127.0.0.1")).toBeUndefined();
    expect(
      parseRegistryConfig({ DISCOVERY: "static", ETCD_ENDPOINTS: "nonsense" }, "127.0.0.1"),
    ).toBeUndefined();
  });

  it("defaults to the local etcd, /services, a 5 s lease and an id unique to this process", () => {
    const config = parseRegistryConfig({ DISCOVERY: "etcd" }, "127.0.0.1");
    expect(config).toMatchObject({
      endpoints: ["http://127.0.0.1:2379"],
      prefix: "/services",
      leaseTtlS: 5,
      advertiseHost: "127.0.0.1",
      drainMs: 500,
      waitMs: 10_000,
    });
    expect(config?.instanceId).toMatch(new RegExp(`^${hostname()}-${process.pid}-[0-9a-f]{6}$`));
  });

  it("reads every variable, and advertises the host name when listening on all interfaces", () => {
    const config = parseRegistryConfig(
      {
        DISCOVERY: "etcd",
        ETCD_ENDPOINTS: "http://etcd-a:2379/, http://etcd-b:2379",
        ETCD_PREFIX: "/staging/services/",
        ETCD_LEASE_TTL_S: "10",
        DEMO_INSTANCE_ID: "catalog-7",
        DISCOVERY_DRAIN_MS: "0",
        DISCOVERY_WAIT_MS: "2000",
      },
      "0.0.0.0",
    );
    expect(config).toEqual({
      endpoints: ["http://etcd-a:2379", "http://etcd-b:2379"],
      prefix: "/staging/services",
      leaseTtlS: 10,
      instanceId: "catalog-7",
      advertiseHost: hostname(),
      drainMs: 0,
      waitMs: 2000,
    });
    expect(
      parseRegistryConfig({ DISCOVERY: "etcd", DEMO_ADVERTISE_HOST: "10.0.0.7" }, "0.0.0.0")?.advertiseHost,
    ).toBe("10.0.0.7");
  });

  it("names the variable at fault", () => {
    expect(variableOf({ DISCOVERY: "consul" })).toBe("DISCOVERY");
    expect(variableOf({ ETCD_ENDPOINTS: "etcd:2379" })).toBe("ETCD_ENDPOINTS");
    expect(variableOf({ ETCD_PREFIX: "services" })).toBe("ETCD_PREFIX");
    expect(variableOf({ ETCD_LEASE_TTL_S: "1" })).toBe("ETCD_LEASE_TTL_S");
    expect(variableOf({ DEMO_INSTANCE_ID: "a/b" })).toBe("DEMO_INSTANCE_ID");
    expect(variableOf({ DEMO_ADVERTISE_HOST: "bad host" })).toBe("DEMO_ADVERTISE_HOST");
    expect(variableOf({ DISCOVERY_DRAIN_MS: "-1" })).toBe("DISCOVERY_DRAIN_MS");
  });
});
