import { z } from "zod";
import { ConfigError } from "../errors/index.js";
import { type Env, envSchemas, readOptionalVar, readVar } from "./env.js";
import {
  DEFAULT_INVENTORY_GRPC_URL,
  DEMO_PORTS,
  envPrefix,
  SERVICE_NAMES,
  type ServiceName,
} from "./services.js";
import { loadTracingConfig, type TracingConfig } from "./tracing-config.js";

export interface ServiceConfig {
  /** Base URLs of the static instances (load balanced). */
  readonly urls: readonly string[];
  readonly timeoutMs: number;
  /** Fresh-cache TTL for this service's GETs; 0 is off. */
  readonly cacheTtlS: number;
  /** `<SERVICE>_LB`: how calls are spread over the instances. Default round-robin. */
  readonly lb: "round-robin" | "least-outstanding";
  /**
   * `<SERVICE>_HEDGE_AFTER_MS`: GETs with no answer after this many ms (or
   * after the service's recent p95, `p95`) get one more attempt. Undefined: no hedging.
   */
  readonly hedgeAfter: number | "p95" | undefined;
}

/** Passive outlier ejection and the health checks that bring an instance back. */
export interface OutlierConfig {
  /** `OUTLIER_CONSECUTIVE_FAILURES`: failed attempts in a row that eject an instance; 0 is off. */
  readonly consecutiveFailures: number;
  /** `OUTLIER_EJECTION_MS`: first ejection period (doubles on repeat, up to 10×). */
  readonly ejectionMs: number;
  /** `HEALTH_CHECK_INTERVAL_MS`: how often an ejected instance's `GET /health` is probed once its period is over. */
  readonly healthCheckIntervalMs: number;
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
  /** `HEDGE_BUDGET_PCT`: hedges stay within this % of a service's first attempts of the last 10 s, plus one. Default 5. */
  readonly hedgeBudgetPct: number;
  /** `ADAPTIVE_CONCURRENCY`: `on`, each upstream's limit follows its latency, up to `maxConcurrentPerUpstream`. Default `off`. */
  readonly adaptiveConcurrency: "on" | "off";
  readonly lowStockThreshold: number;
  readonly cacheStaleTtlS: number;
  /** `IDEMPOTENCY_TTL_S`: how long an answered `Idempotency-Key` is kept, in whole seconds. Default 86400. */
  readonly idempotencyTtlS: number;
  readonly discovery: "static" | "etcd";
  readonly etcdEndpoints: readonly string[];
  /** `ETCD_PREFIX`: instances live under `<prefix>/<service>/<instanceId>`. Default `/services`. */
  readonly etcdPrefix: string;
  /** `DISCOVERY_WAIT_MS`: how long start-up waits for the registry before it gives up (exit 1). */
  readonly discoveryWaitMs: number;
  readonly outlier: OutlierConfig;
  readonly redisUrl: string | undefined;
  /** `REDIS_KEY_PREFIX`: namespace of every key this fleet writes. Default `portico:<app>:`. */
  readonly redisKeyPrefix: string;
  /** `REDIS_TIMEOUT_MS`: longest a Redis command may take before the caller degrades. */
  readonly redisTimeoutMs: number;
  readonly shippingTransport: "http" | "amqp";
  readonly amqpUrl: string | undefined;
  /** `AMQP_SHIPPING_QUEUE` (test/ops knob): the queue shipping answers on. Default `shipping.quotes`. */
  readonly amqpShippingQueue: string;
  /** `INVENTORY_TRANSPORT`: `grpc` calls inventory over gRPC (contract section 3). Default `http`. */
  readonly inventoryTransport: "http" | "grpc";
  /** `INVENTORY_GRPC_URL`: the gRPC inventory's `host:port` instances (load balanced). */
  readonly inventoryGrpcUrls: readonly string[];
  /** `AMQP_EVENTS_EXCHANGE` (test/ops knob): the topic exchange of shop events. Default `shop.events`. */
  readonly amqpEventsExchange: string;
  readonly auth: { readonly jwksUrl: string; readonly issuer: string; readonly audience: string };
  readonly adminToken: string | undefined;
  readonly corsOrigins: readonly string[];
  readonly maxInflight: number;
  /** `MAX_EVENT_LOOP_LAG_MS`: smoothed event-loop lag beyond which requests are shed; 0 is off. */
  readonly maxEventLoopLagMs: number;
  /** `HEADERS_TIMEOUT_MS`: a client's headers must be complete within this (slowloris). */
  readonly headersTimeoutMs: number;
  /**
   * `HEAP_GROWTH_PCT`: how far V8 may grow the heap past what its last full
   * collection kept, in per cent; 0 leaves V8's heuristic. Applied by `runBff`.
   */
  readonly heapGrowthPct: number;
  /** `COMPRESSION`: `off` never compresses (an ingress that compresses). */
  readonly compression: "on" | "off";
  /** `CLIENT_MAX_AGE_S`: `max-age` of anonymous, fully fresh composite answers. */
  readonly clientMaxAgeS: number;
  /**
   * `OTEL_EXPORTER_OTLP_ENDPOINT` and the other OpenTelemetry variables:
   * how spans are exported; undefined (the default) exports nothing.
   */
  readonly tracing: TracingConfig | undefined;
  readonly services: Readonly<Record<ServiceName, ServiceConfig>>;
}

export interface LoadConfigOptions {
  /** The app's own default port (mobile 8081, web 8082, partner 8083). */
  defaultPort: number;
  /**
   * The app's name (`mobile-bff`): the default `REDIS_KEY_PREFIX` is
   * `portico:<app>:` (contract 4), so two deployments on one Redis stay apart.
   * Without it, `portico:`. Also the default `OTEL_SERVICE_NAME` (else `portico`).
   */
  appName?: string;
}

const int = envSchemas.integer;

/** A queue or exchange name: printable, at most 255 bytes, not in the broker's reserved `amq.` space. */
const amqpName = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,255}$/, "must be 1-255 letters, digits, '.', '_', ':' or '-'")
  .refine((name) => !name.startsWith("amq."), "must not start with amq. (reserved by the broker)");

/** `<SERVICE>_HEDGE_AFTER_MS`: whole milliseconds, or `p95`. */
const hedgeAfter = z
  .string()
  .refine(
    (text) => text === "p95" || (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 600_000),
    "must be a whole number of milliseconds from 1 to 600000, or p95",
  )
  .transform((text): number | "p95" => (text === "p95" ? "p95" : Number(text)));

/** `CORS_ORIGINS`: browser origins (`https://shop.example`, no path), normalized as browsers send them. */
const originList = envSchemas.list
  .refine(
    (origins) => origins.every((origin) => originOf(origin) !== undefined),
    "must be comma-separated origins like https://shop.example (scheme, host, optional port; no path)",
  )
  .transform((origins) => origins.map((origin) => originOf(origin) as string));

function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    const bare = url.pathname === "/" && url.search === "" && url.hash === "" && url.username === "";
    return bare && (url.protocol === "http:" || url.protocol === "https:") ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

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
      lb: readVar(env, `${prefix}_LB`, z.enum(["round-robin", "least-outstanding"]), "round-robin"),
      hedgeAfter: readOptionalVar(env, `${prefix}_HEDGE_AFTER_MS`, hedgeAfter),
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
    hedgeBudgetPct: readVar(env, "HEDGE_BUDGET_PCT", int(0, 100), "5"),
    adaptiveConcurrency: readVar(env, "ADAPTIVE_CONCURRENCY", z.enum(["on", "off"]), "off"),
    lowStockThreshold: readVar(env, "LOW_STOCK_THRESHOLD", int(0, 1_000_000_000), "5"),
    cacheStaleTtlS: readVar(env, "CACHE_STALE_TTL_S", int(0, 31_536_000), "86400"),
    idempotencyTtlS: readVar(env, "IDEMPOTENCY_TTL_S", int(1, 31_536_000), "86400"),
    discovery: readVar(env, "DISCOVERY", z.enum(["static", "etcd"]), "static"),
    etcdEndpoints: readVar(env, "ETCD_ENDPOINTS", envSchemas.httpUrlList, "http://127.0.0.1:2379"),
    etcdPrefix: readVar(
      env,
      "ETCD_PREFIX",
      z
        .string()
        .regex(/^\/[A-Za-z0-9._/-]*$/, "must be a key path starting with /")
        .transform((text) => text.replace(/\/+$/, "")),
      "/services",
    ),
    discoveryWaitMs: readVar(env, "DISCOVERY_WAIT_MS", int(100, 600_000), "10000"),
    outlier: {
      consecutiveFailures: readVar(env, "OUTLIER_CONSECUTIVE_FAILURES", int(0, 1000), "5"),
      ejectionMs: readVar(env, "OUTLIER_EJECTION_MS", int(1, 3_600_000), "10000"),
      healthCheckIntervalMs: readVar(env, "HEALTH_CHECK_INTERVAL_MS", int(10, 600_000), "1000"),
    },
    redisUrl: readOptionalVar(
      env,
      "REDIS_URL",
      z.string().refine((text) => /^rediss?:\/\/[^\s]*$/.test(text), "must be a redis(s) URL"),
    ),
    redisKeyPrefix: readVar(
      env,
      "REDIS_KEY_PREFIX",
      z.string().regex(/^[\x21-\x7e]{1,128}$/, "must be 1-128 printable characters without spaces"),
      options.appName === undefined ? "portico:" : `portico:${options.appName}:`,
    ),
    redisTimeoutMs: readVar(env, "REDIS_TIMEOUT_MS", int(1, 60_000), "50"),
    shippingTransport,
    amqpUrl,
    amqpShippingQueue: readVar(env, "AMQP_SHIPPING_QUEUE", amqpName, "shipping.quotes"),
    amqpEventsExchange: readVar(env, "AMQP_EVENTS_EXCHANGE", amqpName, "shop.events"),
    inventoryTransport: readVar(env, "INVENTORY_TRANSPORT", z.enum(["http", "grpc"]), "http"),
    inventoryGrpcUrls: readVar(
      env,
      "INVENTORY_GRPC_URL",
      envSchemas.hostPortList,
      DEFAULT_INVENTORY_GRPC_URL,
    ),
    auth: {
      jwksUrl: readVar(env, "AUTH_JWKS_URL", envSchemas.httpUrl, `${authUrl}/.well-known/jwks.json`),
      issuer: readVar(env, "AUTH_ISSUER", envSchemas.text, "portico-auth"),
      audience: readVar(env, "AUTH_AUDIENCE", envSchemas.text, "portico"),
    },
    adminToken: readOptionalVar(env, "ADMIN_TOKEN", envSchemas.text),
    corsOrigins: readVar(env, "CORS_ORIGINS", originList, ""),
    maxInflight: readVar(env, "MAX_INFLIGHT", int(1, 10_000_000), "1024"),
    maxEventLoopLagMs: readVar(env, "MAX_EVENT_LOOP_LAG_MS", int(0, 600_000), "500"),
    headersTimeoutMs: readVar(env, "HEADERS_TIMEOUT_MS", int(100, 600_000), "10000"),
    heapGrowthPct: readVar(env, "HEAP_GROWTH_PCT", int(0, 1000), "50"),
    compression: readVar(env, "COMPRESSION", z.enum(["on", "off"]), "on"),
    clientMaxAgeS: readVar(env, "CLIENT_MAX_AGE_S", int(0, 31_536_000), "0"),
    tracing: loadTracingConfig(env, options.appName ?? "portico"),
    services,
  };
}
