export { AliasedRegistry } from "./aliased-registry.js";
export type { InstanceHealth, PickOptions } from "./candidates.js";
export { EtcdRegistry, type EtcdRegistryOptions } from "./etcd-registry.js";
export { type HealthProbe, type HttpHealthProbeOptions, httpHealthProbe } from "./health-probe.js";
export { type LeastOutstandingBalancer, leastOutstanding } from "./least-outstanding.js";
export {
  type BalancerOptions,
  type BalancingStrategy,
  type LoadBalancer,
  roundRobin,
} from "./load-balancer.js";
export {
  type BalancedInstanceStatus,
  createLoadBalancing,
  type LoadBalancing,
  type LoadBalancingOptions,
} from "./load-balancing.js";
export {
  type InstanceHealthStatus,
  OutlierDetector,
  type OutlierDetectorOptions,
  type OutlierEvent,
} from "./outlier-detector.js";
export type { ServiceInstance, ServiceRegistry } from "./service-registry.js";
export { StaticRegistry } from "./static-registry.js";
