import { isIP } from "node:net";
import { SERVICE_NAMES, type ServiceName } from "@portico/core";
import { type DemoAmqpConfig, parseAmqpConfig } from "../amqp/amqp-config.js";
import {
  DEFAULT_AUTH_AUDIENCE,
  DEFAULT_AUTH_ISSUER,
  DEFAULT_BASE_PORT,
  DEFAULT_CONTROL_PORT,
  DEFAULT_INVENTORY_GRPC_PORT,
} from "../defaults.js";
import { type DemoServicesOptions, servicePort } from "../start-demo-services.js";
import { ConfigError } from "./config-error.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** The options main.ts starts with, every default resolved. */
export interface DemoConfig extends DemoServicesOptions {
  readonly host: string;
  readonly basePort: number;
  readonly controlPort: number;
  readonly services: readonly ServiceName[];
  readonly ports: Readonly<Partial<Record<ServiceName, number>>>;
  readonly auth: { readonly issuer: string; readonly audience: string };
  /** The broker side, when `AMQP_URL` is set (see `amqp/amqp-config.ts`). */
  readonly amqp: DemoAmqpConfig | undefined;
  /** Inventory's gRPC face, with `INVENTORY_TRANSPORT=grpc` and inventory running here. */
  readonly grpc: { readonly port: number } | undefined;
}

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/** `CATALOG_PORT`, `RECOMMENDATIONS_PORT`, …: overrides one service's port. */
export function portVariable(name: ServiceName): string {
  return `${name.toUpperCase()}_PORT`;
}

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === "" ? undefined : raw;
}

function port(env: Env, name: string, max = 65_535): number | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > max) {
    throw new ConfigError(name, `must be a port number 0-${max} (0 = ephemeral), got "${raw}"`);
  }
  return Number(raw);
}

function text(env: Env, name: string, fallback: string): string {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (raw.length > 1024) throw new ConfigError(name, "must be at most 1024 characters");
  return raw;
}

function services(env: Env): ServiceName[] {
  const raw = value(env, "DEMO_SERVICES");
  if (raw === undefined) return [...SERVICE_NAMES];
  const wanted = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((s) => !(SERVICE_NAMES as readonly string[]).includes(s));
  if (wanted.length === 0 || unknown.length > 0) {
    throw new ConfigError(
      "DEMO_SERVICES",
      `unknown service "${unknown[0] ?? raw}"; expected a comma list of ${SERVICE_NAMES.join(", ")}`,
    );
  }
  return SERVICE_NAMES.filter((name) => wanted.includes(name));
}

/**
 * Reads the demo's environment (README, "Configuration"). Throws a
 * {@link ConfigError} naming the first bad variable; nothing is started
 * half-configured.
 */
export function parseConfig(env: Env): DemoConfig {
  const host = text(env, "DEMO_HOST", "127.0.0.1");
  if (isIP(host) === 0 && !HOSTNAME.test(host)) {
    throw new ConfigError("DEMO_HOST", `must be an IP address or host name, got "${host}"`);
  }
  const basePort = port(env, "DEMO_BASE_PORT", 65_535 - (SERVICE_NAMES.length - 1)) ?? DEFAULT_BASE_PORT;
  const controlPort = port(env, "DEMO_CONTROL_PORT") ?? (basePort === 0 ? 0 : DEFAULT_CONTROL_PORT);
  const running = services(env);

  const ports: Partial<Record<ServiceName, number>> = {};
  for (const name of SERVICE_NAMES) {
    const override = port(env, portVariable(name));
    if (override !== undefined) ports[name] = override;
  }

  // INVENTORY_TRANSPORT=grpc, as the BFFs read it: inventory answers over gRPC too.
  const transport = value(env, "INVENTORY_TRANSPORT") ?? "http";
  if (transport !== "http" && transport !== "grpc") {
    throw new ConfigError("INVENTORY_TRANSPORT", `must be http or grpc, got "${transport}"`);
  }
  const grpcPort = port(env, "INVENTORY_GRPC_PORT") ?? (basePort === 0 ? 0 : DEFAULT_INVENTORY_GRPC_PORT);
  const grpc = transport === "grpc" && running.includes("inventory") ? { port: grpcPort } : undefined;

  // Two fixed ports the same would only fail later with EADDRINUSE; say which variable instead.
  const taken = new Map<number, string>();
  if (controlPort !== 0) taken.set(controlPort, "DEMO_CONTROL_PORT");
  if (grpc !== undefined && grpc.port !== 0) {
    const clash = taken.get(grpc.port);
    if (clash) throw new ConfigError("INVENTORY_GRPC_PORT", `port ${grpc.port} is already used by ${clash}`);
    taken.set(grpc.port, "INVENTORY_GRPC_PORT");
  }
  for (const name of running) {
    const chosen = servicePort(name, basePort, ports);
    if (chosen === 0) continue;
    const variable = ports[name] === undefined ? "DEMO_BASE_PORT" : portVariable(name);
    const clash = taken.get(chosen);
    if (clash) throw new ConfigError(variable, `port ${chosen} is already used by ${clash}`);
    taken.set(chosen, variable === "DEMO_BASE_PORT" ? `${name} (DEMO_BASE_PORT)` : variable);
  }

  return {
    host,
    basePort,
    controlPort,
    services: running,
    ports,
    auth: {
      issuer: text(env, "AUTH_ISSUER", DEFAULT_AUTH_ISSUER),
      audience: text(env, "AUTH_AUDIENCE", DEFAULT_AUTH_AUDIENCE),
    },
    amqp: parseAmqpConfig(env),
    grpc,
  };
}
