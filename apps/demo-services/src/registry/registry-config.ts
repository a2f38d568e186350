import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { ConfigError } from "../config/config-error.js";
import type { Env } from "../config/parse-config.js";

/** How (and whether) this process registers its services in etcd. */
export interface RegistryConfig {
  /** etcd client URLs (`ETCD_ENDPOINTS`). */
  readonly endpoints: readonly string[];
  /** Keys are `<prefix>/<service>/<instanceId>` (`ETCD_PREFIX`). */
  readonly prefix: string;
  /** Lease TTL in seconds (`ETCD_LEASE_TTL_S`): how long a dead process stays listed. */
  readonly leaseTtlS: number;
  /** This process's id in every key (`DEMO_INSTANCE_ID`). */
  readonly instanceId: string;
  /** Host written into the registered URLs (`DEMO_ADVERTISE_HOST`). */
  readonly advertiseHost: string;
  /** Pause between deregistering and closing the servers on shutdown (`DISCOVERY_DRAIN_MS`). */
  readonly drainMs: number;
  /** How long start-up waits for etcd before it fails (`DISCOVERY_WAIT_MS`). */
  readonly waitMs: number;
}

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === "" ? undefined : raw;
}

function whole(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/**
 * Reads the demo's discovery variables. `undefined` unless `DISCOVERY=etcd`
 * (the same variable the BFFs read): then every service this process runs
 * registers itself in etcd on a lease it keeps alive, and deregisters on
 * shutdown. Throws a ConfigError naming the first bad variable.
 */
export function parseRegistryConfig(env: Env, listenHost: string): RegistryConfig | undefined {
  const discovery = value(env, "DISCOVERY") ?? "static";
  if (discovery !== "static" && discovery !== "etcd") {
    throw new ConfigError("DISCOVERY", `must be static or etcd, got "${discovery}"`);
  }
  if (discovery === "static") return undefined;
  const endpoints = (value(env, "ETCD_ENDPOINTS") ?? "http://127.0.0.1:2379")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  for (const endpoint of endpoints) {
    if (!/^https?:\/\/[^\s/]+\/?$/.test(endpoint)) {
      throw new ConfigError("ETCD_ENDPOINTS", `must be comma-separated http(s) URLs, got "${endpoint}"`);
    }
  }
  if (endpoints.length === 0) throw new ConfigError("ETCD_ENDPOINTS", "must list at least one URL");
  const prefix = value(env, "ETCD_PREFIX") ?? "/services";
  if (!/^\/[A-Za-z0-9._/-]*$/.test(prefix)) {
    throw new ConfigError("ETCD_PREFIX", `must be a key path starting with /, got "${prefix}"`);
  }
  const instanceId =
    value(env, "DEMO_INSTANCE_ID") ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(instanceId)) {
    throw new ConfigError("DEMO_INSTANCE_ID", `must match ^[A-Za-z0-9._-]{1,128}$, got "${instanceId}"`);
  }
  const advertiseHost =
    value(env, "DEMO_ADVERTISE_HOST") ?? (WILDCARD_HOSTS.has(listenHost) ? hostname() : listenHost);
  if (!/^[A-Za-z0-9.:[\]-]{1,253}$/.test(advertiseHost)) {
    throw new ConfigError("DEMO_ADVERTISE_HOST", `must be a host name or IP address, got "${advertiseHost}"`);
  }
  return {
    endpoints: endpoints.map((endpoint) => endpoint.replace(/\/+$/, "")),
    prefix: prefix.replace(/\/+$/, ""),
    leaseTtlS: whole(env, "ETCD_LEASE_TTL_S", 5, 2, 3600),
    instanceId,
    advertiseHost,
    drainMs: whole(env, "DISCOVERY_DRAIN_MS", 500, 0, 30_000),
    waitMs: whole(env, "DISCOVERY_WAIT_MS", 10_000, 0, 600_000),
  };
}
