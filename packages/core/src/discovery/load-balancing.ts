import type { UpstreamAttemptEvent, UpstreamObserver } from "../client/upstream-observer.js";
import { type LeastOutstandingBalancer, leastOutstanding } from "./least-outstanding.js";
import { type BalancingStrategy, type LoadBalancer, roundRobin } from "./load-balancer.js";
import {
  type InstanceHealthStatus,
  OutlierDetector,
  type OutlierDetectorOptions,
} from "./outlier-detector.js";
import type { ServiceRegistry } from "./service-registry.js";

export interface LoadBalancingOptions {
  registry: ServiceRegistry;
  /** Each service's strategy (`<SERVICE>_LB`). Default round-robin for all. */
  strategyOf?: (service: string) => BalancingStrategy;
  /** Passive ejection and active health checks, shared by every service. */
  outlier?: OutlierDetectorOptions;
}

/** One instance as load balancing sees it (for `/admin/status`). */
export interface BalancedInstanceStatus extends InstanceHealthStatus {
  /** Attempts in flight from this gateway (tracked by least-outstanding balancers only; else undefined). */
  readonly outstanding: number | undefined;
}

/** A gateway's load balancing: a balancer per service and the observer that feeds them. */
export interface LoadBalancing {
  /** The balancer of one service (made once, then reused). */
  balancer(service: string): LoadBalancer;
  /** Combine into the service clients' observer: ejection and least-outstanding learn outcomes from it. */
  readonly observer: UpstreamObserver;
  strategy(service: string): BalancingStrategy;
  /** The registry's instances of `service`, each with its health. */
  instances(service: string): BalancedInstanceStatus[];
  close(): void;
}

/**
 * Wires load balancing for a gateway: per service round-robin or
 * least-outstanding over the healthy instances, one outlier detector for
 * every instance, and an observer (`attempt`) that tells both how each
 * attempt ended.
 *
 * ```ts
 * const balancing = createLoadBalancing({ registry, strategyOf: (s) => config.services[s].lb });
 * new ServiceClient({ balancer: balancing.balancer("catalog"), observer: combineObservers(metrics, balancing.observer), … });
 * ```
 */
export function createLoadBalancing({
  registry,
  strategyOf = () => "round-robin",
  outlier,
}: LoadBalancingOptions): LoadBalancing {
  const detector = new OutlierDetector(registry, outlier);
  const balancers = new Map<string, LoadBalancer | LeastOutstandingBalancer>();
  const balancerOf = (service: string): LoadBalancer => {
    let balancer = balancers.get(service);
    if (balancer === undefined) {
      balancer =
        strategyOf(service) === "least-outstanding"
          ? leastOutstanding(registry, service, { health: detector })
          : roundRobin(registry, service, { health: detector });
      balancers.set(service, balancer);
    }
    return balancer;
  };
  return {
    balancer: balancerOf,
    observer: {
      attempt(event: UpstreamAttemptEvent): void {
        detector.attempt(event);
        const balancer = balancers.get(event.service);
        if (balancer !== undefined && "attempt" in balancer) balancer.attempt(event);
      },
    },
    strategy: strategyOf,
    instances(service: string): BalancedInstanceStatus[] {
      const balancer = balancers.get(service);
      return detector.status(service).map((status) => ({
        ...status,
        outstanding:
          balancer !== undefined && "outstanding" in balancer ? balancer.outstanding(status.id) : undefined,
      }));
    },
    close(): void {
      detector.close();
    },
  };
}
