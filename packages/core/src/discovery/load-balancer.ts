import { NoInstanceError } from "../errors/index.js";
import { candidatesOf, type InstanceHealth, type PickOptions } from "./candidates.js";
import type { ServiceInstance, ServiceRegistry } from "./service-registry.js";

/** Picks the instance for the next call to one service. */
export interface LoadBalancer {
  /** Throws `NoInstanceError` when the service has no instance at all. */
  pick(options?: PickOptions): ServiceInstance;
}

/** How a service's calls are spread over its instances (`<SERVICE>_LB`). */
export type BalancingStrategy = "round-robin" | "least-outstanding";

export interface BalancerOptions {
  /** Instances it says are ejected are skipped while others are healthy. */
  health?: InstanceHealth;
}

/**
 * Round-robin over the registry's current healthy instances of `service`;
 * a retry (`avoid`) goes to an instance its call has not tried yet.
 */
export function roundRobin(
  registry: ServiceRegistry,
  service: string,
  { health }: BalancerOptions = {},
): LoadBalancer {
  let next = 0;
  return {
    pick(options?: PickOptions): ServiceInstance {
      const instances = candidatesOf(service, registry.instances(service), health, options);
      if (instances.length === 0) throw new NoInstanceError(service);
      const instance = instances[next % instances.length] as ServiceInstance;
      next = (next + 1) % 1_000_000_007;
      return instance;
    },
  };
}
