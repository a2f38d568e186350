import { z } from "zod";
import { ConfigError } from "../errors/index.js";
import { type Env, envSchemas, readOptionalVar, readVar } from "./env.js";
import { DEMO_PORTS, envPrefix, SERVICE_NAMES, type ServiceName } from "./services.js";

export interface ServiceConfig {
  /** Base URLs of the static instances (load balanced). */
  readonly urls: readonly string[];
  readonly timeoutMs: number;
  /** Fresh-cache TTL for this service's GETs; 0 is off. */
  readonly cacheTtlS: number;
}

export interface BreakerConfig {
  readonly windowMs: number;
  readonly minRequests: number;
  readonly errorPct: number;
  readonly openMs: number;
}

/** Everything a BFF reads from its environment (contract section 4). */
export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  readonly requestDeadlineMs: number;
  readonly upstreamTimeoutMs: number;
  readonly breaker: BreakerConfig;
  readonly maxConcurrentPerUpstream: number;
  readonly lowStockThreshold: number;
  readonly cacheStaleTtlS: number;
  readonly discovery: "static" | "etcd";
  readonly etcdEndpoints: readonly string[];
  readonly redisUrl: string | undefined;
  readonly shippingTransport: "http" | "amqp";
  readonly amqpUrl: string | undefined;
  readonly auth: { readonly jwksUrl: string; readonly issuer: string; readonly audience: string };
  readonly adminToken: string | undefined;
  readonly corsOrigins: readonly string[];
  readonly maxInflight: number;
  readonly services: Readonly<Record<ServiceName, ServiceConfig>>;
}

export interface LoadConfigOptions {
  /** The app's own default port (mobile 8081, web 8082, partner 8083). */
  defaultPort: number;
}

const int = envSchemas.integer;

/**
 * Reads and validates the whole configuration at start-up. Throws a
 * ConfigError naming the first bad variable; nothing starts half-configured.
 */
export function loadGatewayConfig(env: Env, options: LoadConfigOptions): GatewayConfig {
  const upstreamTimeoutMs = readVar(env, "UPSTREAM_TIMEOUT_MS", int(1, 600_000), "800");
  const services = {} as Record<ServiceName, ServiceConfig>;
  for (const service of SERVICE_NAMES) {
    const prefix = envPrefix(service);
    services[service] = {
      urls: readVar(env, `${prefix}_URL`, envSchemas.httpUrlList, `http://127.0.0.1:${DEMO_PORTS[service]}`),
      timeoutMs: readVar(env, `${prefix}_TIMEOUT_MS`, int(1, 600_000), String(upstreamTimeoutMs)),
      cacheTtlS: readVar(env, `${prefix}_CACHE_TTL_S`, int(0, 31_536_000), "0"),
    };
  }
  const authUrl = services.auth.urls[0] as string;
  const amqpUrl = readOptionalVar(
    env,
    "AMQP_URL",
    z.string().refine((text) => /^amqps?:\/\/[^/\s]+/.test(text), "must be an amqp(s) URL"),
  );
  const shippingTransport = readVar(env, "SHIPPING_TRANSPORT", z.enum(["http", "amqp"]), "http");
  if (shippingTransport === "amqp" && amqpUrl === undefined) {
    throw new ConfigError("AMQP_URL", "must be set when SHIPPING_TRANSPORT=amqp");
  }
  return {
    port: readVar(env, "PORT", envSchemas.port, String(options.defaultPort)),
    host: readVar(env, "HOST", envSchemas.text, "127.0.0.1"),
    logLevel: readVar(
      env,
      "LOG_LEVEL",
      z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
      "info",
    ),
    requestDeadlineMs: readVar(env, "REQUEST_DEADLINE_MS", int(1, 600_000), "2000"),
    upstreamTimeoutMs,
    breaker: {
      windowMs: readVar(env, "BREAKER_WINDOW_MS", int(100, 3_600_000), "10000"),
      minRequests: readVar(env, "BREAKER_MIN_REQUESTS", int(1, 1_000_000), "10"),
      errorPct: readVar(env, "BREAKER_ERROR_PCT", int(1, 100), "50"),
      openMs: readVar(env, "BREAKER_OPEN_MS", int(1, 3_600_000), "5000"),
    },
    maxConcurrentPerUpstream: readVar(env, "MAX_CONCURRENT_PER_UPSTREAM", int(1, 1_000_000), "256"),
    lowStockThreshold: readVar(env, "LOW_STOCK_THRESHOLD", int(0, 1_000_000_000), "5"),
    cacheStaleTtlS: readVar(env, "CACHE_STALE_TTL_S", int(0, 31_536_000), "86400"),
    discovery: readVar(env, "DISCOVERY", z.enum(["static", "etcd"]), "static"),
    etcdEndpoints: readVar(env, "ETCD_ENDPOINTS", envSchemas.httpUrlList, "http://127.0.0.1:2379"),
    redisUrl: readOptionalVar(
      env,
      "REDIS_URL",
      z.string().refine((text) => /^rediss?:\/\/[^\s]*$/.test(text), "must be a redis(s) URL"),
    ),
    shippingTransport,
    amqpUrl,
    auth: {
      jwksUrl: readVar(env, "AUTH_JWKS_URL", envSchemas.httpUrl, `${authUrl}/.well-known/jwks.json`),
      issuer: readVar(env, "AUTH_ISSUER", envSchemas.text, "portico-auth"),
      audience: readVar(env, "AUTH_AUDIENCE", envSchemas.text, "portico"),
    },
    adminToken: readOptionalVar(env, "ADMIN_TOKEN", envSchemas.text),
    corsOrigins: readVar(env, "CORS_ORIGINS", envSchemas.list, ""),
    maxInflight: readVar(env, "MAX_INFLIGHT", int(1, 10_000_000), "1024"),
    services,
  };
}
