import { describe, expect, it } from "vitest";
import { AliasedRegistry } from "./aliased-registry.js";
import type { ServiceInstance, ServiceRegistry } from "./service-registry.js";

/** A registry whose lists a test changes, telling its listeners as etcd's watch would. */
class ChangingRegistry implements ServiceRegistry {
  readonly lists = new Map<string, ServiceInstance[]>();
  readonly #listeners = new Set<(service: string, instances: readonly ServiceInstance[]) => void>();
  closed = false;

  set(service: string, urls: string[]): void {
    const list = urls.map((url) => ({ id: url, url }));
    this.lists.set(service, list);
    for (const listener of this.#listeners) listener(service, list);
  }

  instances(service: string): readonly ServiceInstance[] {
    return this.lists.get(service) ?? [];
  }

  onChange(listener: (service: string, instances: readonly ServiceInstance[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

describe("AliasedRegistry", () => {
  it("lists an aliased service's instances from its other name, and every other service as it is", () => {
    const base = new ChangingRegistry();
    base.set("inventory", ["http://127.0.0.1:7104"]);
    base.set("inventory-grpc", ["127.0.0.1:7204"]);
    base.set("catalog", ["http://127.0.0.1:7101"]);
    const registry = new AliasedRegistry(base, { inventory: "inventory-grpc" });
    expect(registry.instances("inventory")).toEqual([{ id: "127.0.0.1:7204", url: "127.0.0.1:7204" }]);
    expect(registry.instances("catalog")).toEqual([
      { id: "http://127.0.0.1:7101", url: "http://127.0.0.1:7101" },
    ]);
  });

  it("tells a change under the other name as a change of the aliased service, and not the HTTP list's", () => {
    const base = new ChangingRegistry();
    const registry = new AliasedRegistry(base, { inventory: "inventory-grpc" });
    const changes: [string, string[]][] = [];
    const stop = registry.onChange((service, instances) =>
      changes.push([service, instances.map((instance) => instance.url)]),
    );
    base.set("inventory-grpc", ["10.0.0.1:7204", "10.0.0.2:7204"]);
    base.set("inventory", ["http://10.0.0.1:7104"]);
    base.set("catalog", ["http://10.0.0.1:7101"]);
    expect(changes).toEqual([
      ["inventory", ["10.0.0.1:7204", "10.0.0.2:7204"]],
      ["inventory-grpc", ["10.0.0.1:7204", "10.0.0.2:7204"]],
      ["catalog", ["http://10.0.0.1:7101"]],
    ]);
    stop();
    base.set("inventory-grpc", []);
    expect(changes).toHaveLength(3);
  });

  it("waits for and closes the registry it wraps", async () => {
    const base = new ChangingRegistry();
    const registry = new AliasedRegistry(base, { inventory: "inventory-grpc" });
    await expect(registry.ready()).resolves.toBeUndefined();
    await registry.close();
    expect(base.closed).toBe(true);
  });
});
