import type { ServiceInstance, ServiceRegistry } from "./service-registry.js";

/**
 * A registry in which some services are found under another name: with
 * `{ inventory: "inventory-grpc" }`, `instances("inventory")` are the
 * registry's `inventory-grpc` instances, and a change to those is told as
 * a change to `inventory`. So a service reached over another protocol
 * keeps its own name for its client, balancer, breaker, metrics and status
 * page, while its instances live under the name the contract gives them.
 * Every other service is passed through.
 */
export class AliasedRegistry implements ServiceRegistry {
  readonly #registry: ServiceRegistry;
  /** service → the registry name its instances live under. */
  readonly #aliases: ReadonlyMap<string, string>;

  constructor(registry: ServiceRegistry, aliases: Readonly<Record<string, string>>) {
    this.#registry = registry;
    this.#aliases = new Map(Object.entries(aliases));
  }

  instances(service: string): readonly ServiceInstance[] {
    return this.#registry.instances(this.#aliases.get(service) ?? service);
  }

  onChange(listener: (service: string, instances: readonly ServiceInstance[]) => void): () => void {
    return this.#registry.onChange((name, instances) => {
      for (const [service, alias] of this.#aliases) {
        if (alias === name) listener(service, instances);
      }
      // A service whose own name is aliased away is no longer listed under it.
      if (!this.#aliases.has(name)) listener(name, instances);
    });
  }

  ready(): Promise<void> {
    return this.#registry.ready?.() ?? Promise.resolve();
  }

  close(): Promise<void> {
    return this.#registry.close();
  }
}
