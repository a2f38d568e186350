import type { Redis } from "ioredis";
import type { CacheStore } from "./cache/cache-store.js";
import { DegradingStore } from "./cache/degrading-store.js";
import { MemoryStore } from "./cache/memory-store.js";
import { createRedisConnection, redisReady } from "./cache/redis-connection.js";
import { RedisStore } from "./cache/redis-store.js";
import type { GatewayConfig } from "./config/gateway-config.js";
import { INVENTORY_GRPC_REGISTRY_NAME } from "./config/services.js";
import { FleetBus } from "./coordination/fleet-bus.js";
import { EtcdRegistry } from "./discovery/etcd-registry.js";
import type { OutlierDetectorOptions } from "./discovery/outlier-detector.js";
import type { ServiceRegistry } from "./discovery/service-registry.js";
import { DegradingIdempotencyStore } from "./idempotency/degrading-idempotency-store.js";
import type { IdempotencyStore } from "./idempotency/idempotency-store.js";
import { MemoryIdempotencyStore } from "./idempotency/memory-idempotency-store.js";
import { RedisIdempotencyStore } from "./idempotency/redis-idempotency-store.js";
import type { Logger } from "./observability/logger.js";

/**
 * What lets one BFF instance run as one of a fleet: the registry it finds
 * services in (`DISCOVERY`), the Redis connection its caches and rate
 * limits share (`REDIS_URL`), and outlier ejection settings. Built by
 * `createGateway`; everything here degrades or waits, never half-works.
 */
export interface Fleet {
  /** The shared Redis connection, or undefined without `REDIS_URL`. */
  readonly redis: Redis | undefined;
  /**
   * What the instances share beyond the stores (`REDIS_URL`): coalesced
   * calls and circuit state, under `REDIS_KEY_PREFIX`; undefined without Redis.
   */
  readonly bus: FleetBus | undefined;
  /** An etcd registry when `DISCOVERY=etcd` (made on first call), else undefined (static URLs). */
  registry(): ServiceRegistry | undefined;
  /**
   * A cache store under `<REDIS_KEY_PREFIX><namespace>`: Redis degrading to
   * memory when `REDIS_URL` is set, else memory alone.
   */
  store(namespace: string): CacheStore;
  /**
   * The `Idempotency-Key` store: keys under `<REDIS_KEY_PREFIX>idem:<scope>:<key>`
   * in Redis, degrading to this instance's memory, when `REDIS_URL` is set;
   * else memory alone.
   */
  idempotency(): IdempotencyStore;
  readonly outlierOptions: OutlierDetectorOptions;
  /** Waits for `registry` to load (bounded, may reject) and up to a second for Redis (never rejects). */
  ready(registry: ServiceRegistry): Promise<void>;
  close(): void;
}

/** Builds a gateway's fleet wiring from its configuration; logs go to `logger`. */
export function createFleet(config: GatewayConfig, logger: Logger): Fleet {
  const redis =
    config.redisUrl === undefined
      ? undefined
      : createRedisConnection(config.redisUrl, {
          commandTimeoutMs: config.redisTimeoutMs,
          onDown: (error) =>
            logger.warn(
              { err: messageOf(error) },
              "redis unreachable: caches use memory; rate limits, idempotency keys, coalescing and circuits are per instance",
            ),
          onUp: () => logger.info("redis connection restored"),
        });
  const bus =
    redis === undefined
      ? undefined
      : new FleetBus({
          redis,
          keyPrefix: config.redisKeyPrefix,
          onDown: (error) =>
            logger.warn(
              { err: messageOf(error) },
              "redis fleet commands failed: coalescing and circuits are per instance",
            ),
          onUp: () => logger.info("redis fleet commands answering again: coalescing and circuits are shared"),
        });
  let etcd: EtcdRegistry | undefined;
  return {
    redis,
    bus,
    registry() {
      if (config.discovery !== "etcd") return undefined;
      etcd ??= new EtcdRegistry({
        endpoints: config.etcdEndpoints,
        prefix: config.etcdPrefix,
        // Inventory's gRPC instances are `host:port` (contract section 3).
        addressServices: [INVENTORY_GRPC_REGISTRY_NAME],
        startupWaitMs: config.discoveryWaitMs,
        onError: (error) =>
          logger.warn({ err: messageOf(error) }, "service registry: keeping the last known instances"),
        onUpdate: (service, instances) =>
          logger.info({ service, instances: instances.map((instance) => instance.id) }, "instances changed"),
      });
      return etcd;
    },
    store(namespace: string): CacheStore {
      if (redis === undefined) return new MemoryStore();
      return new DegradingStore({
        primary: new RedisStore({ client: redis, keyPrefix: `${config.redisKeyPrefix}${namespace}` }),
        fallback: new MemoryStore(),
        // Not connected (yet, or any more): memory at no cost, Redis again the moment it is back.
        available: () => redis.status === "ready",
        onError: (error) =>
          logger.warn({ err: messageOf(error) }, "redis cache failed: using memory for 5 s"),
      });
    },
    idempotency(): IdempotencyStore {
      if (redis === undefined) return new MemoryIdempotencyStore();
      return new DegradingIdempotencyStore({
        primary: new RedisIdempotencyStore({ client: redis, keyPrefix: `${config.redisKeyPrefix}idem:` }),
        fallback: new MemoryIdempotencyStore(),
        available: () => redis.status === "ready",
        // Once per outage, not once per cool-down: a hanging Redis would otherwise log every 5 s.
        onDown: (error) =>
          logger.warn({ err: messageOf(error) }, "redis idempotency store failed: keys are per instance"),
        onUp: () => logger.info("redis idempotency store answering again: keys are shared"),
      });
    },
    outlierOptions: {
      ...config.outlier,
      onChange: ({ service, instance, kind, ejectionMs }) => {
        if (kind === "ejected")
          logger.warn({ service, instance: instance.id, ejectionMs }, "instance ejected");
        else logger.info({ service, instance: instance.id }, "instance back in rotation");
      },
    },
    async ready(registry: ServiceRegistry): Promise<void> {
      const redisWithinMs = Math.max(1000, config.redisTimeoutMs * 4);
      await Promise.all([
        registry.ready?.(),
        redis === undefined ? undefined : redisReady(redis, redisWithinMs),
        bus?.ready(redisWithinMs),
      ]);
    },
    close(): void {
      bus?.close();
      redis?.disconnect();
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
