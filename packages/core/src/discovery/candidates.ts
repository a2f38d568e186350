import type { ServiceInstance } from "./service-registry.js";

/** Tells a balancer which instances are out of rotation (see `OutlierDetector`). */
export interface InstanceHealth {
  isEjected(service: string, instance: ServiceInstance): boolean;
}

/** What one call tells the balancer about itself. */
export interface PickOptions {
  /**
   * Ids of the instances this call already tried: a retry goes to another
   * instance whenever there is one.
   */
  readonly avoid?: ReadonlySet<string>;
}

/**
 * The instances a balancer may choose from for one pick: the healthy ones
 * not yet tried by this call. When every instance is ejected, all of them
 * are used again (a likely failure beats a certain one); when every
 * candidate was already tried, a tried one is better than none.
 */
export function candidatesOf(
  service: string,
  instances: readonly ServiceInstance[],
  health: InstanceHealth | undefined,
  options: PickOptions | undefined,
): readonly ServiceInstance[] {
  let pool = instances;
  if (health !== undefined && pool.length > 1) {
    const healthy = pool.filter((instance) => !health.isEjected(service, instance));
    if (healthy.length > 0) pool = healthy;
  }
  const avoid = options?.avoid;
  if (avoid !== undefined && avoid.size > 0 && pool.length > 1) {
    const untried = pool.filter((instance) => !avoid.has(instance.id));
    if (untried.length > 0) pool = untried;
  }
  return pool;
}
