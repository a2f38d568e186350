import type { UpstreamAttemptEvent } from "../client/upstream-observer.js";
import { NoInstanceError } from "../errors/index.js";
import { candidatesOf, type PickOptions } from "./candidates.js";
import type { BalancerOptions, LoadBalancer } from "./load-balancer.js";
import type { ServiceInstance, ServiceRegistry } from "./service-registry.js";

/** A least-outstanding balancer; it learns that an attempt ended from `attempt`. */
export interface LeastOutstandingBalancer extends LoadBalancer {
  /** Told when an attempt ends (an `UpstreamObserver.attempt` hook): frees its slot. */
  attempt(event: UpstreamAttemptEvent): void;
  /** Attempts picked and not yet ended, per instance id. */
  outstanding(instanceId: string): number;
}

/**
 * Least outstanding requests: each pick goes to the healthy instance with
 * the fewest attempts in flight from this gateway, so a slow instance gets
 * less traffic. Ties rotate, so at low load it spreads like round-robin.
 * Counting needs the end of every attempt: wire `attempt` into the
 * client's observer (`createLoadBalancing` does).
 */
export function leastOutstanding(
  registry: ServiceRegistry,
  service: string,
  { health }: BalancerOptions = {},
): LeastOutstandingBalancer {
  const inFlight = new Map<string, number>();
  let rotation = 0;
  return {
    pick(options?: PickOptions): ServiceInstance {
      const instances = candidatesOf(service, registry.instances(service), health, options);
      if (instances.length === 0) throw new NoInstanceError(service);
      const start = rotation % instances.length;
      rotation = (rotation + 1) % 1_000_000_007;
      let best = instances[start] as ServiceInstance;
      let fewest = inFlight.get(best.id) ?? 0;
      for (let i = 1; i < instances.length && fewest > 0; i++) {
        const candidate = instances[(start + i) % instances.length] as ServiceInstance;
        const count = inFlight.get(candidate.id) ?? 0;
        if (count < fewest) {
          best = candidate;
          fewest = count;
        }
      }
      inFlight.set(best.id, fewest + 1);
      return best;
    },
    attempt(event: UpstreamAttemptEvent): void {
      if (event.service !== service) return;
      const count = inFlight.get(event.instance.id);
      if (count === undefined) return;
      // Only instances with attempts in flight are kept: the map stays small.
      if (count <= 1) inFlight.delete(event.instance.id);
      else inFlight.set(event.instance.id, count - 1);
    },
    outstanding(instanceId: string): number {
      return inFlight.get(instanceId) ?? 0;
    },
  };
}
