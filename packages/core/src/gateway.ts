import { jwtVerifier, type TokenVerifier } from "./auth/jwt-verifier.js";
import type { CacheStore } from "./cache/cache-store.js";
import { SingleFlight } from "./cache/single-flight.js";
import { AmqpTransport, queueBalancer } from "./client/amqp-transport.js";
import { type GrpcRouter, GrpcTransport } from "./client/grpc-transport.js";
import { HttpTransport } from "./client/http-transport.js";
import { inventoryGrpcRoutes } from "./client/inventory-grpc.js";
import { LocalReadGenerations } from "./client/read-generations.js";
import { ServiceClient } from "./client/service-client.js";
import type { Transport } from "./client/transport.js";
import { combineObservers, type UpstreamObserver } from "./client/upstream-observer.js";
import type { GatewayConfig } from "./config/gateway-config.js";
import { INVENTORY_GRPC_REGISTRY_NAME, SERVICE_NAMES, type ServiceName } from "./config/services.js";
import { fleetCircuit } from "./coordination/fleet-circuit.js";
import { FleetFlight } from "./coordination/fleet-flight.js";
import { FleetReadGenerations } from "./coordination/fleet-generations.js";
import { AliasedRegistry } from "./discovery/aliased-registry.js";
import { type HealthProbe, httpHealthProbe } from "./discovery/health-probe.js";
import { createLoadBalancing, type LoadBalancing } from "./discovery/load-balancing.js";
import type { ServiceRegistry } from "./discovery/service-registry.js";
import { StaticRegistry } from "./discovery/static-registry.js";
import { createFleet, type Fleet } from "./fleet.js";
import { DegradingIdempotencyStore } from "./idempotency/degrading-idempotency-store.js";
import type { IdempotencyStore } from "./idempotency/idempotency-store.js";
import { BrokerConnection } from "./messaging/broker-connection.js";
import { logBrokerEvents } from "./messaging/broker-log.js";
import { RequestReplyClient } from "./messaging/request-reply-client.js";
import { GatewayObservability } from "./observability/gateway-observability.js";
import { watchRedisDegraded } from "./observability/redis-degraded-gauge.js";
import {
  createGatewayTracing,
  type GatewayTracing,
  type TracedTransport,
} from "./observability/tracing/gateway-tracing.js";
import { createUpstreamPolicy } from "./resilience/upstream-policy.js";
import { ShopApi } from "./services/shop-api.js";

/** The shared machinery behind one BFF instance: its upstream clients and stores. */
export interface Gateway {
  readonly config: GatewayConfig;
  readonly registry: ServiceRegistry;
  readonly clients: Readonly<Record<ServiceName, ServiceClient>>;
  readonly shop: ShopApi;
  /** The last-known-good store behind `cache` fallbacks (always on). */
  readonly lastKnownGood: CacheStore;
  /** Verifies customers' bearer tokens against the auth service's JWKS. */
  readonly verifyToken: TokenVerifier;
  /** The message broker (`AMQP_URL`), connected on first use; undefined without one. */
  readonly broker: BrokerConnection | undefined;
  /** Metrics, logs, status windows and readiness of this BFF (closed with the gateway). */
  readonly observability: GatewayObservability;
  /**
   * Told of every upstream call and cache lookup: `observability`'s metrics,
   * load balancing and `deps.observer`. Routes pass it to fallbacks that
   * read the last-known-good store (`lastKnownPriceFallback`).
   */
  readonly observer: UpstreamObserver;
  /** Load balancing per service; `instances(service)` tells each instance's health (status page). */
  readonly balancing: LoadBalancing;
  /**
   * Where `Idempotency-Key`s and their answers are kept (contract 2.6), for
   * `config.idempotencyTtlS`: shared through Redis with `REDIS_URL`
   * (degrading to this instance's memory), else in memory. Closed with the gateway.
   */
  readonly idempotency: IdempotencyStore;
  /** The shared Redis connection (`REDIS_URL`) behind caches and rate limits, or undefined. */
  readonly redis: Fleet["redis"];
  /**
   * Spans exported over OTLP (`OTEL_EXPORTER_OTLP_ENDPOINT`): the edge's
   * SERVER spans (`createGatewayApp` passes `tracing.requests` on) and each
   * client's CLIENT spans. Undefined when tracing is off: the SDK is then
   * never loaded. Flushed and shut down by `close`.
   */
  readonly tracing: GatewayTracing | undefined;
  /**
   * Resolves once the registry has its first instance list (and Redis had a
   * moment to connect); rejects with `RegistryUnavailableError` when etcd
   * does not answer within `DISCOVERY_WAIT_MS`. `runBff` waits for it.
   */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface GatewayDeps {
  registry?: ServiceRegistry;
  transport?: Transport;
  lastKnownGood?: CacheStore;
  freshCache?: CacheStore;
  /** Another idempotency store (else one from `REDIS_URL`, or memory). */
  idempotency?: IdempotencyStore;
  verifyToken?: TokenVerifier;
  /** Told of every upstream call (metrics, logs, load balancing). */
  observer?: UpstreamObserver;
  /** Another broker connection (else one from `AMQP_URL`). */
  broker?: BrokerConnection;
  /** Metrics, logs and status (else a fresh one with a silent logger; `runBff` passes its own). */
  observability?: GatewayObservability;
  /**
   * Another tracing (else one from `config.tracing`, or none), e.g. over
   * the SDK's in-memory exporter; its owner shuts it down.
   */
  tracing?: GatewayTracing;
}

/**
 * Wires a gateway from its configuration: one client per upstream service,
 * each with its own breaker, bulkhead, retry budget and load balancer.
 * Collaborators can be passed in (another registry, a shared store).
 */
export function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Gateway {
  const transport = deps.transport ?? new HttpTransport({ maxSockets: config.maxConcurrentPerUpstream });
  const singleFlight = new SingleFlight();
  // Metrics, logs and the status page see every call, as does any observer passed in.
  const observability = deps.observability ?? new GatewayObservability();
  // DISCOVERY picks the registry, REDIS_URL the stores (shared, degrading to memory).
  const fleet = createFleet(config, observability.logger);
  // INVENTORY_TRANSPORT=grpc: inventory keeps its name everywhere; only its transport and instances differ.
  const grpcRoutes = config.inventoryTransport === "grpc" ? inventoryGrpcRoutes() : undefined;
  const inventoryOverGrpc = grpcRoutes === undefined ? undefined : grpcInventory(config, grpcRoutes);
  // OTEL_EXPORTER_OTLP_ENDPOINT: the SDK is loaded here, and only then.
  const tracing =
    deps.tracing ?? (config.tracing === undefined ? undefined : createGatewayTracing(config.tracing));
  const registry =
    deps.registry ??
    discoveredRegistry(fleet, inventoryOverGrpc !== undefined) ??
    new StaticRegistry(
      Object.fromEntries(
        SERVICE_NAMES.map((service) => [
          service,
          service === "inventory" && inventoryOverGrpc !== undefined
            ? config.inventoryGrpcUrls
            : config.services[service].urls,
        ]),
      ),
    );
  // Keys: <REDIS_KEY_PREFIX><fallback prefix>:<key>, e.g. portico:mobile-bff:lkg:price:p1.
  const lastKnownGood = deps.lastKnownGood ?? fleet.store("");
  const freshStore = deps.freshCache ?? fleet.store("fresh:");
  // Keys: <REDIS_KEY_PREFIX>idem:<customer>:<Idempotency-Key>.
  const idempotency = deps.idempotency ?? fleet.idempotency();
  const bus = fleet.bus;
  const fleetFlight = bus === undefined ? undefined : new FleetFlight(bus);
  // A write moves its service's reads on, on this instance or, with REDIS_URL, on every instance.
  const fleetGenerations = bus === undefined ? undefined : new FleetReadGenerations(bus);
  const generations = fleetGenerations ?? new LocalReadGenerations();
  if (idempotency instanceof DegradingIdempotencyStore || bus !== undefined) {
    watchRedisDegraded(observability.metrics.registry, {
      ...(idempotency instanceof DegradingIdempotencyStore
        ? { idempotency: () => !idempotency.primaryUp }
        : {}),
      // Coalescing and circuits act alone whenever the connection is not up.
      ...(bus === undefined ? {} : { fleet: () => !bus.up }),
    });
  }
  // Balancers learn each attempt's outcome (ejection, least-outstanding) through the observer.
  const balancing = createLoadBalancing({
    registry,
    strategyOf: (service) => config.services[service as ServiceName]?.lb ?? "round-robin",
    outlier:
      inventoryOverGrpc === undefined
        ? fleet.outlierOptions
        : { ...fleet.outlierOptions, probe: grpcAwareProbe(inventoryOverGrpc, config) },
  });
  const observer = combineObservers(
    observability.observer,
    balancing.observer,
    ...(deps.observer ? [deps.observer] : []),
  );
  // One broker connection per gateway; it opens only once something uses it.
  const broker =
    deps.broker ??
    (config.amqpUrl === undefined
      ? undefined
      : new BrokerConnection({ url: config.amqpUrl, onEvent: logBrokerEvents(observability.logger) }));
  const shippingOverAmqp =
    config.shippingTransport === "amqp" && broker !== undefined ? amqpShipping(config, broker) : undefined;

  const clients = {} as Record<ServiceName, ServiceClient>;
  for (const service of SERVICE_NAMES) {
    const serviceConfig = config.services[service];
    // Reads and writes: two pipelines over one breaker and one bulkhead per service.
    // Hedging (<SERVICE>_HEDGE_AFTER_MS) and ADAPTIVE_CONCURRENCY are chosen here, once: off, nothing of them runs.
    const hedgeAfter = serviceConfig.hedgeAfter;
    const { policy, writePolicy, streamPolicy, breaker, bulkhead } = createUpstreamPolicy({
      service,
      timeoutMs: serviceConfig.timeoutMs,
      breaker: config.breaker,
      maxConcurrent: config.maxConcurrentPerUpstream,
      idempotent: true,
      onRetry: () => observer.retry?.(service),
      hedge:
        hedgeAfter === undefined
          ? undefined
          : {
              after: hedgeAfter,
              budgetPct: config.hedgeBudgetPct,
              onHedge: (outcome) => {
                if (outcome !== "lost") observer.hedge?.(service, outcome);
              },
            },
      adaptiveConcurrency: config.adaptiveConcurrency === "on",
      // REDIS_URL: one circuit per service for the fleet. A claimed trial outlives no request.
      fleetCircuit:
        bus === undefined
          ? undefined
          : fleetCircuit(bus, { service, trialTtlMs: config.requestDeadlineMs + 1000 }),
    });
    // Services are transport-agnostic: only the transport (and its "instance", the queue) differ.
    const overAmqp = service === "shipping" ? shippingOverAmqp : undefined;
    const overGrpc = service === "inventory" ? inventoryOverGrpc : undefined;
    // Spans are named after the transport's conventions (HTTP, gRPC, messaging).
    const traced: TracedTransport =
      overAmqp !== undefined
        ? { kind: "amqp" }
        : overGrpc !== undefined && grpcRoutes !== undefined
          ? { kind: "grpc", routes: grpcRoutes }
          : { kind: "http" };
    clients[service] = new ServiceClient({
      service,
      balancer: overAmqp ? queueBalancer(config.amqpShippingQueue) : balancing.balancer(service),
      transport: overAmqp ?? overGrpc ?? transport,
      policy,
      writePolicy,
      streamPolicy,
      breaker,
      bulkhead,
      singleFlight,
      generations,
      observer,
      tracer: tracing?.attempts(service, traced),
      freshCache:
        serviceConfig.cacheTtlS > 0 ? { store: freshStore, ttlS: serviceConfig.cacheTtlS } : undefined,
      // REDIS_URL: identical GETs are one call across the fleet; a wait longer than the service's timeout means the holder is gone.
      fleet: fleetFlight === undefined ? undefined : { flight: fleetFlight, waitMs: serviceConfig.timeoutMs },
    });
  }

  observability.watch(clients, registry);

  return {
    config,
    registry,
    clients,
    // Over gRPC, a list of stock is one BatchGetStock call (contract section 3).
    shop: new ShopApi(clients, { batchStock: inventoryOverGrpc !== undefined }),
    lastKnownGood,
    idempotency,
    verifyToken: deps.verifyToken ?? jwtVerifier(config.auth),
    broker,
    observability,
    observer,
    balancing,
    redis: fleet.redis,
    tracing,
    ready: () => fleet.ready(registry),
    async close() {
      observability.close();
      balancing.close();
      for (const client of Object.values(clients)) client.breaker.dispose();
      fleetGenerations?.close();
      await Promise.all([
        transport.close(),
        inventoryOverGrpc?.close(),
        registry.close(),
        lastKnownGood.close(),
        freshStore.close(),
        idempotency.close(),
      ]);
      fleet.close();
      await shippingOverAmqp?.close();
      if (deps.broker === undefined) await broker?.close();
      // Last: the spans of every request, and of calls the closing cut short, are out first.
      if (deps.tracing === undefined) await tracing?.shutdown();
    },
  };
}

/** `SHIPPING_TRANSPORT=amqp`: `GET /quotes?productId=` becomes `{"productId":…}` on the shipping queue. */
function amqpShipping(config: GatewayConfig, broker: BrokerConnection): AmqpTransport {
  return new AmqpTransport({
    client: new RequestReplyClient(broker, { name: "shipping" }),
    routes: { "/quotes": config.amqpShippingQueue },
    // A request older than the shipping timeout has no caller left to answer.
    messageTtlMs: config.services.shipping.timeoutMs,
  });
}

/**
 * `INVENTORY_TRANSPORT=grpc`: `GET /stock/{id}` and `GET /stock?ids=` become
 * `GetStock` and `BatchGetStock`, with inventory's timeout as the gRPC deadline.
 */
function grpcInventory(config: GatewayConfig, routes: GrpcRouter): GrpcTransport {
  return new GrpcTransport({
    routes,
    timeoutMs: config.services.inventory.timeoutMs,
    probeTimeoutMs: Math.min(1000, config.outlier.healthCheckIntervalMs),
  });
}

/**
 * The etcd registry (`DISCOVERY=etcd`), made only when called; with gRPC
 * inventory, `inventory`'s instances are those under `inventory-grpc`.
 */
function discoveredRegistry(fleet: Fleet, inventoryOverGrpc: boolean): ServiceRegistry | undefined {
  const etcd = fleet.registry();
  if (etcd === undefined || !inventoryOverGrpc) return etcd;
  return new AliasedRegistry(etcd, { inventory: INVENTORY_GRPC_REGISTRY_NAME });
}

/** Ejected instances are probed back: `GET /health` for an http(s) URL, a gRPC connection for a `host:port`. */
function grpcAwareProbe(grpc: GrpcTransport, config: GatewayConfig): HealthProbe {
  const http = httpHealthProbe({ timeoutMs: Math.min(1000, config.outlier.healthCheckIntervalMs) });
  return function grpcAwareProbe(instance, signal) {
    return /^https?:\/\//.test(instance.url) ? http(instance, signal) : grpc.probe(instance, signal);
  };
}
