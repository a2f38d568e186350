import { randomUUID } from "node:crypto";
import { closedPort, etcdEndpoint, requireEtcd } from "@portico/test-support";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoServices } from "../start-demo-services.js";
import { registerInstances } from "./etcd-registration.js";
import { withRegistration } from "./registered-demo.js";
import type { RegistryConfig } from "./registry-config.js";

// Real etcd (`npm run check` starts one and exports ETCD_ENDPOINTS); keys under a prefix unique to this run.
const ENDPOINT = etcdEndpoint();
const PREFIX = `/portico-test-demo-${randomUUID()}`;
let etcd: Etcd3;

beforeAll(async () => {
  await requireEtcd();
  etcd = new Etcd3({ hosts: ENDPOINT });
});

afterAll(async () => {
  await etcd?.delete().prefix(`${PREFIX}/`);
  etcd?.close();
});

const config = (overrides: Partial<RegistryConfig> = {}): RegistryConfig => ({
  endpoints: [ENDPOINT],
  prefix: PREFIX,
  leaseTtlS: 2,
  instanceId: `i-${randomUUID().slice(0, 6)}`,
  advertiseHost: "127.0.0.1",
  drainMs: 0,
  waitMs: 5000,
  ...overrides,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("registerInstances against a real etcd", () => {
  it("writes one {url} key per service on a lease it keeps alive, and removes them on close", async () => {
    const settings = config();
    const registration = await registerInstances({
      config: settings,
      urls: { catalog: "http://127.0.0.1:7101", pricing: "http://127.0.0.1:7102" },
    });
    const keys = [`${PREFIX}/catalog/${settings.instanceId}`, `${PREFIX}/pricing/${settings.instanceId}`];
    expect(registration.keys).toEqual(keys);
    expect(await etcd.get(keys[0] as string).json()).toEqual({ url: "http://127.0.0.1:7101" });
    // Well past the 2 s TTL: the keep-alives hold it.
    await sleep(3500);
    expect(await etcd.get(keys[1] as string).json()).toEqual({ url: "http://127.0.0.1:7102" });
    await registration.close();
    expect(await etcd.get(keys[0] as string).string()).toBeNull();
    expect(await etcd.get(keys[1] as string).string()).toBeNull();
    await registration.close(); // twice is fine
  });

  it("registers inventory's gRPC face as host:port under inventory-grpc, next to its HTTP URL", async () => {
    const settings = config();
    const demo = await withRegistration(
      await startDemoServices({ services: ["inventory"], grpc: { port: 0 } }),
      settings,
    );
    try {
      const grpcPort = (demo.grpcUrls.inventory ?? "").split(":").pop();
      expect(await etcd.get(`${PREFIX}/inventory-grpc/${settings.instanceId}`).json()).toEqual({
        url: `127.0.0.1:${grpcPort}`,
      });
      expect(await etcd.get(`${PREFIX}/inventory/${settings.instanceId}`).json()).toEqual({
        url: demo.url("inventory"),
      });
    } finally {
      await demo.close();
    }
    expect(await etcd.get(`${PREFIX}/inventory-grpc/${settings.instanceId}`).string()).toBeNull();
  });

  it("registers again when its lease is revoked behind its back", async () => {
    const settings = config();
    const errors: unknown[] = [];
    const registration = await registerInstances({
      config: settings,
      urls: { catalog: "http://127.0.0.1:7101" },
      onError: (error) => errors.push(error),
    });
    const key = `${PREFIX}/catalog/${settings.instanceId}`;
    const { lease } = await etcd
      .get(key)
      .exec()
      .then((r) => ({ lease: r.kvs[0]?.lease }));
    await etcd.leaseClient.leaseRevoke({ ID: lease as string });
    expect(await etcd.get(key).string()).toBeNull();
    const deadline = Date.now() + 8000;
    while ((await etcd.get(key).string()) === null) {
      if (Date.now() > deadline) throw new Error("never registered again");
      await sleep(100);
    }
    expect(errors.length).toBeGreaterThan(0);
    await registration.close();
  }, 15_000);

  it("fails with one clear message when etcd cannot be reached in time", async () => {
    const port = await closedPort();
    const started = Date.now();
    await expect(
      registerInstances({
        config: config({ endpoints: [`http://127.0.0.1:${port}`], waitMs: 800 }),
        urls: { catalog: "http://x:1" },
      }),
    ).rejects.toThrow(`cannot register in etcd at http://127.0.0.1:${port} (ETCD_ENDPOINTS) within 800 ms`);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
