import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors/index.js";
import { loadGatewayConfig } from "./gateway-config.js";
import { SERVICE_NAMES } from "./services.js";

const load = (env: Record<string, string | undefined> = {}) => loadGatewayConfig(env, { defaultPort: 8081 });

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

/** `name=value` stops start-up with one line that names the variable. */
function expectRefused(name: string, value: string): void {
  const error = configErrorOf({ [name]: value });
  expect(error.variable).toBe(name);
  expect(error.code).toBe("CONFIG_INVALID");
  expect(error.message).toContain(name);
  expect(error.message).not.toContain("\n");
}

describe("loadGatewayConfig", () => {
  it("defaults to what contract section 4 says", () => {
    const config = load();
    expect(config).toMatchObject({
      port: 8081,
      logLevel: "info",
      requestDeadlineMs: 2000,
      upstreamTimeoutMs: 800,
      breaker: { windowMs: 10_000, minRequests: 10, errorPct: 50, openMs: 5000 },
      maxConcurrentPerUpstream: 256,
      lowStockThreshold: 5,
      cacheStaleTtlS: 86_400,
      idempotencyTtlS: 86_400,
      discovery: "static",
      etcdEndpoints: ["http://127.0.0.1:2379"],
      redisUrl: undefined,
      shippingTransport: "http",
      amqpUrl: undefined,
      inventoryTransport: "http",
      inventoryGrpcUrls: ["127.0.0.1:7204"],
      auth: {
        jwksUrl: "http://127.0.0.1:7110/.well-known/jwks.json",
        issuer: "portico-auth",
        audience: "portico",
      },
      adminToken: undefined,
      corsOrigins: [],
      maxInflight: 1024,
      maxEventLoopLagMs: 500,
      headersTimeoutMs: 10_000,
      heapGrowthPct: 50,
      compression: "on",
      clientMaxAgeS: 0,
    });
  });

  it("points every service at its demo port on 127.0.0.1 with the upstream timeout and no fresh cache", () => {
    const { services } = load();
    const ports = SERVICE_NAMES.map((service) => services[service].urls);
    expect(ports).toEqual(
      [7101, 7102, 7103, 7104, 7105, 7106, 7107, 7108, 7109, 7110].map((p) => [`http://127.0.0.1:${p}`]),
    );
    for (const service of SERVICE_NAMES) {
      expect(services[service]).toMatchObject({ timeoutMs: 800, cacheTtlS: 0 });
    }
  });

  it("reads PORT, or the app's own default port", () => {
    expect(load({ PORT: "9000" }).port).toBe(9000);
    expect(loadGatewayConfig({}, { defaultPort: 8083 }).port).toBe(8083);
  });

  it("reads a comma-separated list of instance URLs, trimmed and without trailing slashes", () => {
    const config = load({
      CATALOG_URL: " http://10.0.0.1:7101/ , https://catalog.internal:8443,, http://10.0.0.2:7101",
    });
    expect(config.services.catalog.urls).toEqual([
      "http://10.0.0.1:7101",
      "https://catalog.internal:8443",
      "http://10.0.0.2:7101",
    ]);
    expect(config.services.pricing.urls).toEqual(["http://127.0.0.1:7102"]);
  });

  it("lets <SERVICE>_TIMEOUT_MS override UPSTREAM_TIMEOUT_MS for that service alone", () => {
    const config = load({ UPSTREAM_TIMEOUT_MS: "500", REVIEWS_TIMEOUT_MS: "150" });
    expect(config.upstreamTimeoutMs).toBe(500);
    expect(config.services.reviews.timeoutMs).toBe(150);
    expect(config.services.catalog.timeoutMs).toBe(500);
  });

  it("reads the fresh-cache ttl per service", () => {
    expect(load({ CATALOG_CACHE_TTL_S: "30" }).services.catalog.cacheTtlS).toBe(30);
  });

  it("derives the JWKS URL from AUTH_URL unless AUTH_JWKS_URL is set", () => {
    expect(load({ AUTH_URL: "http://auth.internal:7110/" }).auth.jwksUrl).toBe(
      "http://auth.internal:7110/.well-known/jwks.json",
    );
    expect(load({ AUTH_JWKS_URL: "https://idp.example/jwks" }).auth.jwksUrl).toBe("https://idp.example/jwks");
  });

  it("reads the optional and list variables", () => {
    const config = load({
      DISCOVERY: "etcd",
      ETCD_ENDPOINTS: "http://etcd-1:2379,http://etcd-2:2379",
      REDIS_URL: "redis://cache:6379",
      SHIPPING_TRANSPORT: "amqp",
      AMQP_URL: "amqp://broker:5672",
      ADMIN_TOKEN: "s3cret",
      CORS_ORIGINS: "https://shop.example, https://admin.example",
      LOG_LEVEL: "debug",
    });
    expect(config).toMatchObject({
      discovery: "etcd",
      etcdEndpoints: ["http://etcd-1:2379", "http://etcd-2:2379"],
      redisUrl: "redis://cache:6379",
      shippingTransport: "amqp",
      amqpUrl: "amqp://broker:5672",
      adminToken: "s3cret",
      corsOrigins: ["https://shop.example", "https://admin.example"],
      logLevel: "debug",
    });
  });

  it("reads INVENTORY_TRANSPORT and INVENTORY_GRPC_URL's host:port list", () => {
    expect(
      load({
        INVENTORY_TRANSPORT: "grpc",
        INVENTORY_GRPC_URL: "inventory-1.internal:7204, 10.0.0.7:50051,[::1]:7204",
      }),
    ).toMatchObject({
      inventoryTransport: "grpc",
      inventoryGrpcUrls: ["inventory-1.internal:7204", "10.0.0.7:50051", "[::1]:7204"],
    });
  });

  it("refuses an unknown INVENTORY_TRANSPORT and an INVENTORY_GRPC_URL that is not host:port", () => {
    expect(configErrorOf({ INVENTORY_TRANSPORT: "amqp" }).variable).toBe("INVENTORY_TRANSPORT");
    for (const value of [
      "http://127.0.0.1:7204",
      "127.0.0.1",
      "127.0.0.1:0",
      "127.0.0.1:70000",
      "127.0.0.1:7204/inventory",
      "::1:7204",
      " , ",
    ]) {
      const error = configErrorOf({ INVENTORY_GRPC_URL: value });
      expect(error.variable, value).toBe("INVENTORY_GRPC_URL");
      expect(error.message).not.toContain("\n");
    }
  });

  it("treats an empty or blank variable as unset", () => {
    expect(load({ REQUEST_DEADLINE_MS: "", BREAKER_OPEN_MS: "   " })).toMatchObject({
      requestDeadlineMs: 2000,
      breaker: { openMs: 5000 },
    });
  });

  it("reads COMPRESSION and CLIENT_MAX_AGE_S", () => {
    expect(load({ COMPRESSION: "off", CLIENT_MAX_AGE_S: "30" })).toMatchObject({
      compression: "off",
      clientMaxAgeS: 30,
    });
  });

  it("refuses a value that is not a number, naming the variable", () => {
    for (const [name, value] of [
      ["UPSTREAM_TIMEOUT_MS", "fast"],
      ["REQUEST_DEADLINE_MS", "2s"],
      ["BREAKER_ERROR_PCT", "12.5"],
      ["MAX_INFLIGHT", "-1"],
      ["PORT", "1e3"],
      ["CATALOG_TIMEOUT_MS", "abc"],
      ["CLIENT_MAX_AGE_S", "1.5"],
      ["CLIENT_MAX_AGE_S", "-1"],
      ["COMPRESSION", "gzip"],
      ["COMPRESSION", "ON"],
    ] as const) {
      expectRefused(name, value);
    }
  });

  it("refuses numbers out of range", () => {
    expect(configErrorOf({ PORT: "70000" }).variable).toBe("PORT");
    expect(configErrorOf({ BREAKER_ERROR_PCT: "0" }).variable).toBe("BREAKER_ERROR_PCT");
    expect(configErrorOf({ BREAKER_ERROR_PCT: "101" }).variable).toBe("BREAKER_ERROR_PCT");
    expect(configErrorOf({ UPSTREAM_TIMEOUT_MS: "0" }).variable).toBe("UPSTREAM_TIMEOUT_MS");
  });

  it("refuses an unknown DISCOVERY mode, SHIPPING_TRANSPORT or LOG_LEVEL", () => {
    expect(configErrorOf({ DISCOVERY: "consul" }).variable).toBe("DISCOVERY");
    expect(configErrorOf({ SHIPPING_TRANSPORT: "grpc" }).variable).toBe("SHIPPING_TRANSPORT");
    expect(configErrorOf({ LOG_LEVEL: "loud" }).variable).toBe("LOG_LEVEL");
  });

  it("refuses a malformed URL, naming the variable", () => {
    for (const [name, value] of [
      ["CATALOG_URL", "not a url"],
      ["PRICING_URL", "127.0.0.1:7102"],
      ["REVIEWS_URL", "ftp://reviews:21"],
      ["INVENTORY_URL", "http://ok:7104,garbage"],
      ["SHIPPING_URL", " , "],
      ["ETCD_ENDPOINTS", "etcd:2379"],
      ["AUTH_JWKS_URL", "jwks.json"],
      ["REDIS_URL", "http://cache:6379"],
      ["AMQP_URL", "broker:5672"],
    ] as const) {
      expect(configErrorOf({ [name]: value }).variable).toBe(name);
    }
  });

  it("requires AMQP_URL when SHIPPING_TRANSPORT=amqp", () => {
    const error = configErrorOf({ SHIPPING_TRANSPORT: "amqp" });
    expect(error.variable).toBe("AMQP_URL");
    expect(error.message).toContain("SHIPPING_TRANSPORT=amqp");
  });

  it("does not echo credentials written into a bad URL", () => {
    const error = configErrorOf({ REDIS_URL: "redis://:hunter2@cache:6379 extra" });
    expect(error.variable).toBe("REDIS_URL");
    expect(error.message).not.toContain("hunter2");
    expect(error.message).toContain("cache:6379");
    const amqp = configErrorOf({ AMQP_URL: "amqp:/user:p@ss@broker" });
    expect(amqp.variable).toBe("AMQP_URL");
    const echoed = configErrorOf({ CATALOG_URL: "http://user:p@ss@catalog:7101 x" }).message;
    expect(echoed).not.toContain("p@ss");
    expect(echoed).not.toContain("ss@catalog");
  });

  it("reads the edge variables: HEADERS_TIMEOUT_MS, MAX_EVENT_LOOP_LAG_MS (0 is off)", () => {
    expect(load({ HEADERS_TIMEOUT_MS: "1500", MAX_EVENT_LOOP_LAG_MS: "0" })).toMatchObject({
      headersTimeoutMs: 1500,
      maxEventLoopLagMs: 0,
    });
    expect(configErrorOf({ HEADERS_TIMEOUT_MS: "10" }).variable).toBe("HEADERS_TIMEOUT_MS");
    expect(configErrorOf({ MAX_EVENT_LOOP_LAG_MS: "-5" }).variable).toBe("MAX_EVENT_LOOP_LAG_MS");
  });

  it("reads HEAP_GROWTH_PCT (0 leaves V8's heuristic), and refuses a negative or fractional one", () => {
    expect(load({ HEAP_GROWTH_PCT: "0" }).heapGrowthPct).toBe(0);
    expect(load({ HEAP_GROWTH_PCT: "120" }).heapGrowthPct).toBe(120);
    for (const bad of ["-1", "12.5", "lots", "1001"]) expectRefused("HEAP_GROWTH_PCT", bad);
  });

  it("normalizes CORS_ORIGINS as browsers send origins, and refuses anything that is not an origin", () => {
    expect(load({ CORS_ORIGINS: "HTTPS://Shop.Example:443/, http://localhost:5173" }).corsOrigins).toEqual([
      "https://shop.example",
      "http://localhost:5173",
    ]);
    for (const value of ["*", "shop.example", "https://shop.example/app", "ftp://shop.example", "null"]) {
      expect(configErrorOf({ CORS_ORIGINS: value }).variable).toBe("CORS_ORIGINS");
    }
  });

  it("reads the fleet variables: <SERVICE>_LB, ETCD_PREFIX, DISCOVERY_WAIT_MS, outlier ejection, Redis prefix and timeout", () => {
    const config = load();
    expect(config.services.catalog.lb).toBe("round-robin");
    expect(config).toMatchObject({
      etcdPrefix: "/services",
      discoveryWaitMs: 10_000,
      outlier: { consecutiveFailures: 5, ejectionMs: 10_000, healthCheckIntervalMs: 1000 },
      redisKeyPrefix: "portico:",
      redisTimeoutMs: 50,
    });
    // Contract 4: the default prefix names the app, so two deployments on one Redis stay apart.
    expect(loadGatewayConfig({}, { defaultPort: 8081, appName: "mobile-bff" }).redisKeyPrefix).toBe(
      "portico:mobile-bff:",
    );
    const tuned = load({
      CATALOG_LB: "least-outstanding",
      ETCD_PREFIX: "/staging/services/",
      DISCOVERY_WAIT_MS: "500",
      OUTLIER_CONSECUTIVE_FAILURES: "0",
      REDIS_KEY_PREFIX: "shop:",
    });
    expect(tuned.services.catalog.lb).toBe("least-outstanding");
    expect(tuned.services.pricing.lb).toBe("round-robin");
    expect(tuned).toMatchObject({
      etcdPrefix: "/staging/services",
      discoveryWaitMs: 500,
      redisKeyPrefix: "shop:",
    });
    expect(tuned.outlier.consecutiveFailures).toBe(0);
    expect(configErrorOf({ PRICING_LB: "random" }).variable).toBe("PRICING_LB");
    expect(configErrorOf({ ETCD_PREFIX: "services" }).variable).toBe("ETCD_PREFIX");
    expect(configErrorOf({ REDIS_TIMEOUT_MS: "0" }).variable).toBe("REDIS_TIMEOUT_MS");
    expect(configErrorOf({ REDIS_KEY_PREFIX: "has space" }).variable).toBe("REDIS_KEY_PREFIX");
  });

  it("reads IDEMPOTENCY_TTL_S as whole seconds above 0, and stops on anything else naming it", () => {
    expect(load({ IDEMPOTENCY_TTL_S: "600" }).idempotencyTtlS).toBe(600);
    expect(load({ IDEMPOTENCY_TTL_S: " " }).idempotencyTtlS).toBe(86_400);
    for (const value of ["0", "-5", "1.5", "1d", "86400s", "99999999999"]) {
      const error = configErrorOf({ IDEMPOTENCY_TTL_S: value });
      expect(error.variable).toBe("IDEMPOTENCY_TTL_S");
      expect(error.message).toContain("IDEMPOTENCY_TTL_S");
      expect(error.message).not.toContain("\n");
    }
  });

  it("reads hedging and adaptive concurrency: off by default", () => {
    const config = load();
    expect(config).toMatchObject({ hedgeBudgetPct: 5, adaptiveConcurrency: "off" });
    for (const service of SERVICE_NAMES) expect(config.services[service].hedgeAfter).toBeUndefined();
    const on = load({
      CATALOG_HEDGE_AFTER_MS: "40",
      PRICING_HEDGE_AFTER_MS: "p95",
      HEDGE_BUDGET_PCT: "10",
      ADAPTIVE_CONCURRENCY: "on",
    });
    expect(on).toMatchObject({ hedgeBudgetPct: 10, adaptiveConcurrency: "on" });
    expect(on.services.catalog.hedgeAfter).toBe(40);
    expect(on.services.pricing.hedgeAfter).toBe("p95");
    expect(on.services.reviews.hedgeAfter).toBeUndefined();
    expect(load({ CATALOG_HEDGE_AFTER_MS: " " }).services.catalog.hedgeAfter).toBeUndefined();
  });

  it("stops on a bad hedging or adaptive-concurrency value with one line naming it", () => {
    for (const [name, value] of [
      ["CATALOG_HEDGE_AFTER_MS", "0"],
      ["CATALOG_HEDGE_AFTER_MS", "fast"],
      ["CATALOG_HEDGE_AFTER_MS", "P95"],
      ["CATALOG_HEDGE_AFTER_MS", "p99"],
      ["CATALOG_HEDGE_AFTER_MS", "12.5"],
      ["REVIEWS_HEDGE_AFTER_MS", "600001"],
      ["HEDGE_BUDGET_PCT", "101"],
      ["HEDGE_BUDGET_PCT", "5%"],
      ["ADAPTIVE_CONCURRENCY", "yes"],
      ["ADAPTIVE_CONCURRENCY", "gradient"],
    ] as const) {
      expectRefused(name, value);
    }
  });

  it("never mutates the environment it reads", () => {
    const env = Object.freeze({ PORT: "9001", CATALOG_URL: "http://a:1/" });
    expect(load(env).services.catalog.urls).toEqual(["http://a:1"]);
  });
});
