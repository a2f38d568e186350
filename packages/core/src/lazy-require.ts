import { createRequire } from "node:module";

// Resolves from core's own package, whichever app imports core.
const requireFromCore = createRequire(import.meta.url);

/**
 * A loader for a CommonJS dependency that is required on its first call
 * instead of when this module is imported. etcd3, ioredis and amqplib cost
 * tens of MB of RSS each, yet a BFF needs them only when `DISCOVERY=etcd`,
 * `REDIS_URL` or `AMQP_URL` is set; a top-level import would load them into
 * every gateway. The require is synchronous, so constructors stay synchronous.
 *
 * `T` is what the package's `module.exports` holds (use `import type` for it;
 * a value import would load the package again). A missing package throws at
 * the first call, where the feature is first used.
 *
 * @example
 * const ioredis = lazyRequire<typeof import("ioredis")>("ioredis");
 * const client = new (ioredis().Redis)(url);
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= requireFromCore(id) as T;
    return loaded;
  };
}
