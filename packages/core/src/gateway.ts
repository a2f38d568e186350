import { jwtVerifier, type TokenVerifier } from "./auth/jwt-verifier.js";
import type { CacheStore } from "./cache/cache-store.js";
import { MemoryStore } from "./cache/memory-store.js";
import { SingleFlight } from "./cache/single-flight.js";
import { HttpTransport } from "./client/http-transport.js";
import { ServiceClient } from "./client/service-client.js";
import type { Transport } from "./client/transport.js";
import type { GatewayConfig } from "./config/gateway-config.js";
import { SERVICE_NAMES, type ServiceName } from "./config/services.js";
import { roundRobin } from "./discovery/load-balancer.js";
import type { ServiceRegistry } from "./discovery/service-registry.js";
import { StaticRegistry } from "./discovery/static-registry.js";
import type { UpstreamObserver } from "./observability/upstream-observer.js";
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
  close(): Promise<void>;
}

export interface GatewayDeps {
  registry?: ServiceRegistry;
  transport?: Transport;
  lastKnownGood?: CacheStore;
  freshCache?: CacheStore;
  verifyToken?: TokenVerifier;
  /** Told of every upstream call (metrics, logs, load balancing). */
  observer?: UpstreamObserver;
}

/**
 * Wires a gateway from its configuration: one client per upstream service,
 * each with its own breaker, bulkhead, retry budget and load balancer.
 * Collaborators can be passed in (another registry, a shared store).
 */
export function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Gateway {
  const registry =
    deps.registry ??
    new StaticRegistry(
      Object.fromEntries(SERVICE_NAMES.map((service) => [service, config.services[service].urls])),
    );
  const transport = deps.transport ?? new HttpTransport({ maxSockets: config.maxConcurrentPerUpstream });
  const lastKnownGood = deps.lastKnownGood ?? new MemoryStore();
  const freshStore = deps.freshCache ?? new MemoryStore();
  const singleFlight = new SingleFlight();

  const clients = {} as Record<ServiceName, ServiceClient>;
  for (const service of SERVICE_NAMES) {
    const serviceConfig = config.services[service];
    const { policy, breaker, bulkhead } = createUpstreamPolicy({
      service,
      timeoutMs: serviceConfig.timeoutMs,
      breaker: config.breaker,
      maxConcurrent: config.maxConcurrentPerUpstream,
      idempotent: true,
      ...(deps.observer?.retry ? { onRetry: () => deps.observer?.retry?.(service) } : {}),
    });
    clients[service] = new ServiceClient({
      service,
      balancer: roundRobin(registry, service),
      transport,
      policy,
      breaker,
      bulkhead,
      singleFlight,
      observer: deps.observer,
      freshCache:
        serviceConfig.cacheTtlS > 0 ? { store: freshStore, ttlS: serviceConfig.cacheTtlS } : undefined,
    });
  }

  return {
    config,
    registry,
    clients,
    shop: new ShopApi(clients),
    lastKnownGood,
    verifyToken: deps.verifyToken ?? jwtVerifier(config.auth),
    async close() {
      for (const client of Object.values(clients)) client.breaker.dispose();
      await Promise.all([transport.close(), registry.close(), lastKnownGood.close(), freshStore.close()]);
    },
  };
}
