import { randomUUID } from "node:crypto";
import {
  closedPort,
  etcdEndpoint,
  hostPort,
  requireEtcd,
  startTcpProxy,
  type TcpProxy,
  within,
} from "@portico/test-support";
import { Etcd3 } from "etcd3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RegistryUnavailableError } from "../errors/index.js";
import { sleep } from "../test-support/async.js";
import { EtcdRegistry, type EtcdRegistryOptions } from "./etcd-registry.js";
import type { ServiceInstance } from "./service-registry.js";

// Real etcd (`npm run check` starts one and exports ETCD_ENDPOINTS); every test
// writes under its own prefix, so parallel runs cannot see each other.
const RUN = `/portico-test/${randomUUID()}`;
let etcd: Etcd3;
const registries: EtcdRegistry[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  await requireEtcd();
  etcd = new Etcd3({ hosts: etcdEndpoint() });
});

afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await etcd?.delete().prefix(`${RUN}/`);
  etcd?.close();
});

let n = 0;
const newPrefix = () => `${RUN}/t${n++}`;

function open(prefix: string, options: Partial<EtcdRegistryOptions> = {}): EtcdRegistry {
  const registry = new EtcdRegistry({
    endpoints: [etcdEndpoint()],
    prefix,
    retryMinMs: 50,
    retryMaxMs: 500,
    ...options,
  });
  registries.push(registry);
  return registry;
}

const put = (prefix: string, service: string, id: string, url: string) =>
  etcd.put(`${prefix}/${service}/${id}`).value(JSON.stringify({ url }));

const urlsOf = (instances: readonly ServiceInstance[]) => instances.map((i) => i.url);

describe("EtcdRegistry against a real etcd", () => {
  it("loads every registered instance, sorted by id, and resolves ready()", async () => {
    const prefix = newPrefix();
    await put(prefix, "catalog", "b", "http://127.0.0.1:7202/");
    await put(prefix, "catalog", "a", "http://127.0.0.1:7201");
    await put(prefix, "pricing", "x", "https://pricing.internal:8443");
    const registry = open(prefix);
    await registry.ready();
    expect(registry.instances("catalog")).toEqual([
      { id: "a", url: "http://127.0.0.1:7201" },
      { id: "b", url: "http://127.0.0.1:7202" },
    ]);
    expect(urlsOf(registry.instances("pricing"))).toEqual(["https://pricing.internal:8443"]);
    expect(registry.instances("reviews")).toEqual([]);
  });

  it("sees a new instance within a second, and loses it when it deregisters", async () => {
    const prefix = newPrefix();
    const registry = open(prefix);
    await registry.ready();
    const changes: string[][] = [];
    registry.onChange((service, instances) => service === "catalog" && changes.push(urlsOf(instances)));
    await put(prefix, "catalog", "one", "http://127.0.0.1:7301");
    const tookMs = await within(1000, () => registry.instances("catalog").length === 1, "the put arrives");
    expect(tookMs).toBeLessThan(1000);
    await put(prefix, "catalog", "one", "http://127.0.0.1:7302");
    await within(
      1000,
      () => registry.instances("catalog")[0]?.url === "http://127.0.0.1:7302",
      "the update arrives",
    );
    await etcd.delete().key(`${prefix}/catalog/one`);
    await within(1000, () => registry.instances("catalog").length === 0, "the delete arrives");
    expect(changes).toEqual([["http://127.0.0.1:7301"], ["http://127.0.0.1:7302"], []]);
  });

  it("drops an instance whose lease expired (its process stopped keeping it alive)", async () => {
    const prefix = newPrefix();
    const registry = open(prefix);
    await registry.ready();
    const lease = etcd.lease(2);
    await lease.put(`${prefix}/catalog/mortal`).value(JSON.stringify({ url: "http://127.0.0.1:7401" }));
    await within(1000, () => registry.instances("catalog").length === 1, "registered");
    lease.release(); // as if the process died: no more keep-alives
    await within(6000, () => registry.instances("catalog").length === 0, "the lease expires");
  });

  it("ignores and reports entries that are not {url} under <service>/<id>", async () => {
    const prefix = newPrefix();
    await etcd.put(`${prefix}/catalog/bad-json`).value("{nope");
    await etcd.put(`${prefix}/catalog/no-url`).value(JSON.stringify({ host: "x" }));
    await etcd.put(`${prefix}/catalog/ftp`).value(JSON.stringify({ url: "ftp://x" }));
    await etcd.put(`${prefix}/catalog/too/deep`).value(JSON.stringify({ url: "http://x:1" }));
    await put(prefix, "catalog", "good", "http://127.0.0.1:7501");
    const errors: unknown[] = [];
    const registry = open(prefix, { onError: (error) => errors.push(error) });
    await registry.ready();
    expect(urlsOf(registry.instances("catalog"))).toEqual(["http://127.0.0.1:7501"]);
    expect(errors).toHaveLength(4);
  });

  it("takes host:port instances for its address services (gRPC), and http(s) URLs for the others", async () => {
    const prefix = newPrefix();
    await put(prefix, "inventory-grpc", "a", "10.0.0.7:7204");
    await put(prefix, "inventory-grpc", "b", "http://10.0.0.8:7204");
    await put(prefix, "catalog", "c", "10.0.0.9:7101");
    await put(prefix, "catalog", "d", "http://10.0.0.9:7101");
    const errors: unknown[] = [];
    const registry = open(prefix, {
      addressServices: ["inventory-grpc"],
      onError: (error) => errors.push(error),
    });
    await registry.ready();
    expect(registry.instances("inventory-grpc")).toEqual([{ id: "a", url: "10.0.0.7:7204" }]);
    expect(urlsOf(registry.instances("catalog"))).toEqual(["http://10.0.0.9:7101"]);
    expect(errors.map(String).sort()).toEqual([
      expect.stringContaining('catalog/c: the value must be {"url":"http(s)://…"}'),
      expect.stringContaining('inventory-grpc/b: the value must be {"url":"host:port"}'),
    ]);
    // Watched like any other service.
    await put(prefix, "inventory-grpc", "e", "[::1]:7204");
    await within(1000, () => registry.instances("inventory-grpc").length === 2, "the new address");
  });

  it("rejects ready() with one clear message when etcd cannot be reached in time", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const registry = open(newPrefix(), { endpoints: [endpoint], startupWaitMs: 700 });
    const started = performance.now();
    const error = await registry.ready().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect((error as Error).message).toContain(
      `no answer from etcd at ${endpoint} (ETCD_ENDPOINTS) within 700 ms`,
    );
    expect((error as Error).message).not.toContain("\n");
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("waits at start-up for an etcd that comes up within the wait", async () => {
    const prefix = newPrefix();
    await put(prefix, "catalog", "a", "http://127.0.0.1:7601");
    const proxy = await startTcpProxy(hostPort(etcdEndpoint()));
    proxies.push(proxy);
    await proxy.setMode("refuse");
    const registry = open(prefix, { endpoints: [`http://127.0.0.1:${proxy.port}`], startupWaitMs: 15_000 });
    const ready = registry.ready();
    await sleep(500);
    await proxy.setMode("forward");
    const comeBack = performance.now();
    await ready;
    // No client-side circuit holds a recovered etcd unused: the retry back-off is the only wait.
    expect(performance.now() - comeBack).toBeLessThan(3000);
    expect(urlsOf(registry.instances("catalog"))).toEqual(["http://127.0.0.1:7601"]);
  }, 15_000);

  it("keeps the last known list while etcd is unreachable, and catches up once it is back", async () => {
    const prefix = newPrefix();
    await put(prefix, "catalog", "a", "http://127.0.0.1:7701");
    const proxy = await startTcpProxy(hostPort(etcdEndpoint()));
    proxies.push(proxy);
    const errors: unknown[] = [];
    const registry = open(prefix, {
      endpoints: [`http://127.0.0.1:${proxy.port}`],
      onError: (error) => errors.push(error),
    });
    await registry.ready();
    await proxy.setMode("refuse");
    // Changes made while this gateway cannot see etcd.
    await put(prefix, "catalog", "b", "http://127.0.0.1:7702");
    await etcd.delete().key(`${prefix}/catalog/a`);
    await within(5000, () => errors.length > 0, "the watch notices the outage");
    await sleep(1000);
    expect(urlsOf(registry.instances("catalog"))).toEqual(["http://127.0.0.1:7701"]);
    await proxy.setMode("forward");
    await within(
      20_000,
      () => urlsOf(registry.instances("catalog")).join() === "http://127.0.0.1:7702",
      "the list catches up after the outage",
    );
  }, 40_000);

  it("closes promptly even while etcd is unreachable", async () => {
    const proxy = await startTcpProxy(hostPort(etcdEndpoint()));
    proxies.push(proxy);
    const registry = new EtcdRegistry({ endpoints: [`http://127.0.0.1:${proxy.port}`], prefix: newPrefix() });
    await registry.ready();
    await proxy.setMode("blackhole");
    const started = performance.now();
    await registry.close();
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
