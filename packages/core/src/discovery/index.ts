export { type LoadBalancer, roundRobin } from "./load-balancer.js";
export type { ServiceInstance, ServiceRegistry } from "./service-registry.js";
export { StaticRegistry } from "./static-registry.js";
