import { describe, expect, it } from "vitest";
import { NoInstanceError } from "../errors/index.js";
import { roundRobin } from "./load-balancer.js";
import type { ServiceInstance, ServiceRegistry } from "./service-registry.js";
import { StaticRegistry } from "./static-registry.js";

describe("StaticRegistry", () => {
  it("lists each service's instances by URL", () => {
    const registry = new StaticRegistry({ catalog: ["http://a:1", "http://b:1"], pricing: ["http://c:2"] });
    expect(registry.instances("catalog")).toEqual([
      { id: "http://a:1", url: "http://a:1" },
      { id: "http://b:1", url: "http://b:1" },
    ]);
    expect(registry.instances("pricing")).toHaveLength(1);
    expect(registry.instances("unknown")).toEqual([]);
  });

  it("never changes, and closes quietly", async () => {
    const registry: ServiceRegistry = new StaticRegistry({ catalog: ["http://a:1"] });
    const unsubscribe = registry.onChange(() => {
      throw new Error("a static registry does not change");
    });
    unsubscribe();
    await expect(registry.close()).resolves.toBeUndefined();
  });
});

describe("roundRobin", () => {
  it("spreads calls evenly across several URLs", () => {
    const urls = ["http://a:1", "http://b:1", "http://c:1"];
    const balancer = roundRobin(new StaticRegistry({ catalog: urls }), "catalog");
    const counts = new Map<string, number>();
    const order: string[] = [];
    for (let i = 0; i < 30; i++) {
      const { url } = balancer.pick();
      order.push(url);
      counts.set(url, (counts.get(url) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual([10, 10, 10]);
    expect(order.slice(0, 6)).toEqual([...urls, ...urls]);
  });

  it("always picks the only instance there is", () => {
    const balancer = roundRobin(new StaticRegistry({ catalog: ["http://a:1"] }), "catalog");
    for (let i = 0; i < 3; i++) expect(balancer.pick().url).toBe("http://a:1");
  });

  it("throws NoInstanceError when the service has no instance", () => {
    const balancer = roundRobin(new StaticRegistry({ catalog: [] }), "catalog");
    expect(() => balancer.pick()).toThrow(NoInstanceError);
    expect(() => roundRobin(new StaticRegistry({}), "pricing").pick()).toThrow(
      expect.objectContaining({ code: "NO_INSTANCE", service: "pricing", status: 503 }),
    );
  });

  it("follows a registry whose instance list changes", () => {
    let instances: ServiceInstance[] = [{ id: "1", url: "http://a:1" }];
    const registry: ServiceRegistry = {
      instances: () => instances,
      onChange: () => () => {},
      close: async () => {},
    };
    const balancer = roundRobin(registry, "catalog");
    expect(balancer.pick().url).toBe("http://a:1");
    instances = [
      { id: "2", url: "http://b:1" },
      { id: "3", url: "http://c:1" },
    ];
    const picked = new Set([balancer.pick().url, balancer.pick().url]);
    expect(picked).toEqual(new Set(["http://b:1", "http://c:1"]));
    instances = [];
    expect(() => balancer.pick()).toThrow(NoInstanceError);
  });
});
