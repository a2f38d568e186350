import { describe, expect, it } from "vitest";
import type { UpstreamAttemptEvent } from "../client/upstream-observer.js";
import { NoInstanceError } from "../errors/index.js";
import type { InstanceHealth } from "./candidates.js";
import { leastOutstanding } from "./least-outstanding.js";
import { roundRobin } from "./load-balancer.js";
import type { ServiceInstance } from "./service-registry.js";
import { StaticRegistry } from "./static-registry.js";

const urls = ["http://a:1", "http://b:1", "http://c:1"];
const registry = new StaticRegistry({ catalog: urls });

/** Health that ejects exactly the given URLs. */
const ejecting = (...ejected: string[]): InstanceHealth => ({
  isEjected: (_service, instance) => ejected.includes(instance.url),
});

const ended = (instance: ServiceInstance, service = "catalog"): UpstreamAttemptEvent => ({
  service,
  instance,
  outcome: "ok",
  durationMs: 1,
  status: 200,
});

describe("roundRobin with health and retries", () => {
  it("skips ejected instances while others are healthy", () => {
    const balancer = roundRobin(registry, "catalog", { health: ejecting("http://b:1") });
    const picked = Array.from({ length: 6 }, () => balancer.pick().url);
    expect(picked).not.toContain("http://b:1");
    expect(new Set(picked)).toEqual(new Set(["http://a:1", "http://c:1"]));
  });

  it("uses every instance again when all of them are ejected", () => {
    const balancer = roundRobin(registry, "catalog", { health: ejecting(...urls) });
    expect(new Set(Array.from({ length: 6 }, () => balancer.pick().url))).toEqual(new Set(urls));
  });

  it("sends a retry to an instance its call has not tried, whatever other calls did in between", () => {
    const balancer = roundRobin(new StaticRegistry({ catalog: ["http://a:1", "http://b:1"] }), "catalog");
    for (let i = 0; i < 20; i++) {
      const first = balancer.pick();
      // Another call's pick in between would make plain round-robin come back to `first`.
      balancer.pick();
      const retry = balancer.pick({ avoid: new Set([first.id]) });
      expect(retry.id).not.toBe(first.id);
    }
  });

  it("picks a tried instance again rather than none when every one was tried", () => {
    const balancer = roundRobin(new StaticRegistry({ catalog: ["http://a:1"] }), "catalog");
    expect(balancer.pick({ avoid: new Set(["http://a:1"]) }).url).toBe("http://a:1");
  });

  it("prefers a healthy instance already tried over an ejected one", () => {
    const two = new StaticRegistry({ catalog: ["http://a:1", "http://b:1"] });
    const balancer = roundRobin(two, "catalog", { health: ejecting("http://b:1") });
    expect(balancer.pick({ avoid: new Set(["http://a:1"]) }).url).toBe("http://a:1");
  });
});

describe("leastOutstanding", () => {
  it("sends each pick to the instance with the fewest attempts in flight", () => {
    const balancer = leastOutstanding(registry, "catalog");
    const first = [balancer.pick(), balancer.pick(), balancer.pick()];
    expect(new Set(first.map((i) => i.url))).toEqual(new Set(urls));
    // b finishes; the next two picks: b (0 in flight), then a tie of three at 1.
    const b = first.find((i) => i.url === "http://b:1") as ServiceInstance;
    balancer.attempt(ended(b));
    expect(balancer.pick().url).toBe("http://b:1");
    expect(balancer.outstanding("http://a:1")).toBe(1);
    expect(balancer.outstanding("http://b:1")).toBe(1);
  });

  it("steers traffic away from a slow instance", () => {
    const balancer = leastOutstanding(registry, "catalog");
    const slow = "http://c:1";
    const counts = new Map<string, number>();
    // 300 calls, at most 3 in flight to fast instances: fast ones end at once, slow ones never.
    for (let i = 0; i < 300; i++) {
      const instance = balancer.pick();
      counts.set(instance.url, (counts.get(instance.url) ?? 0) + 1);
      if (instance.url !== slow) balancer.attempt(ended(instance));
    }
    expect(counts.get(slow)).toBe(1);
  });

  it("spreads evenly like round-robin when nothing is in flight", () => {
    const balancer = leastOutstanding(registry, "catalog");
    const counts = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const instance = balancer.pick();
      counts.set(instance.url, (counts.get(instance.url) ?? 0) + 1);
      balancer.attempt(ended(instance));
    }
    expect([...counts.values()]).toEqual([10, 10, 10]);
  });

  it("skips ejected and already tried instances", () => {
    const balancer = leastOutstanding(registry, "catalog", { health: ejecting("http://a:1") });
    for (let i = 0; i < 5; i++) {
      const instance = balancer.pick({ avoid: new Set(["http://b:1"]) });
      expect(instance.url).toBe("http://c:1");
      balancer.attempt(ended(instance));
    }
  });

  it("ignores other services' attempts and attempts it did not count", () => {
    const balancer = leastOutstanding(registry, "catalog");
    const instance = balancer.pick();
    balancer.attempt(ended(instance, "pricing"));
    expect(balancer.outstanding(instance.id)).toBe(1);
    balancer.attempt(ended(instance));
    balancer.attempt(ended(instance));
    expect(balancer.outstanding(instance.id)).toBe(0);
  });

  it("throws NoInstanceError when the service has no instance", () => {
    expect(() => leastOutstanding(registry, "pricing").pick()).toThrow(NoInstanceError);
  });
});
