import type { ServiceInstance, ServiceRegistry } from "./service-registry.js";

/** Instances fixed at start-up, from `<SERVICE>_URL` (comma-separated). */
export class StaticRegistry implements ServiceRegistry {
  readonly #instances: ReadonlyMap<string, readonly ServiceInstance[]>;

  constructor(urls: Readonly<Record<string, readonly string[]>>) {
    this.#instances = new Map(
      Object.entries(urls).map(([service, list]) => [service, list.map((url) => ({ id: url, url }))]),
    );
  }

  instances(service: string): readonly ServiceInstance[] {
    return this.#instances.get(service) ?? [];
  }

  onChange(): () => void {
    return () => {};
  }

  async close(): Promise<void> {}
}
