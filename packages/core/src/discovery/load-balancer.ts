import { NoInstanceError } from "../errors/index.js";
import type { ServiceInstance, ServiceRegistry } from "./service-registry.js";

/** Picks the instance for the next call to one service. */
export interface LoadBalancer {
  pick(): ServiceInstance;
}

/** Round-robin over the registry's current instances of `service`. */
export function roundRobin(registry: ServiceRegistry, service: string): LoadBalancer {
  let next = 0;
  return {
    pick(): ServiceInstance {
      const instances = registry.instances(service);
      if (instances.length === 0) throw new NoInstanceError(service);
      const instance = instances[next % instances.length] as ServiceInstance;
      next = (next + 1) % 1_000_000_007;
      return instance;
    },
  };
}
