import {
  closedPort,
  etcdEndpoint,
  hostPort,
  requireEtcd,
  startTcpProxy,
  type TcpProxy,
  uniqueName,
  within,
} from "@portico/test-support";
import { Etcd3 } from "etcd3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type DemoShop,
  type RunningBff,
  type RunningProcess,
  startBff,
  startDemoShop,
} from "../support/processes.js";
import { loadLoop, PATIENT, type Sample, sleep, statusOf } from "./support.js";

// Client-side discovery on a real etcd: demo services register themselves
// (DISCOVERY=etcd), the BFF watches the prefix. Every test has its own prefix.
let etcd: Etcd3;
const started: RunningProcess[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  await requireEtcd();
  etcd = new Etcd3({ hosts: etcdEndpoint() });
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((proc) => proc.stop("SIGKILL")));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

afterAll(async () => {
  for (const prefix of prefixes) await etcd?.delete().prefix(`${prefix}/`);
  etcd?.close();
});

/** A registry prefix of this file only (deleted after it). */
const prefixes: string[] = [];
function newPrefix(): string {
  const prefix = `/${uniqueName("discovery")}/services`;
  prefixes.push(prefix);
  return prefix;
}

const discovery = (prefix: string, endpoint = etcdEndpoint()) => ({
  DISCOVERY: "etcd",
  ETCD_ENDPOINTS: endpoint,
  ETCD_PREFIX: prefix,
});

async function shop(prefix: string, env: Record<string, string> = {}): Promise<DemoShop> {
  const proc = await startDemoShop({ ...discovery(prefix), ...env });
  started.push(proc);
  return proc;
}

async function bff(prefix: string, env: Record<string, string> = {}): Promise<RunningBff> {
  const proc = await startBff("mobile-bff", { ...discovery(prefix), ...PATIENT, ...env });
  started.push(proc);
  return proc;
}

/** How many catalog requests a demo process has answered. */
async function catalogTotal(proc: DemoShop): Promise<number> {
  const response = await fetch(`${proc.control}/_stats/catalog`);
  return ((await response.json()) as { total: number }).total;
}

/** Product details for p1..p24 in turn (different ids: no coalescing hides calls). */
const productDetails = (target: RunningBff) => (i: number) =>
  statusOf(`${target.url}/productdetails/p${(i % 24) + 1}`);

const failures = (samples: readonly Sample[]) => samples.filter((s) => s.status !== 200);

describe("discovery through a real etcd", () => {
  it("shifts traffic to a third catalog instance within 2 s of it registering", async () => {
    const prefix = newPrefix();
    await shop(prefix);
    const second = await shop(prefix, { DEMO_SERVICES: "catalog" });
    const gateway = await bff(prefix);
    const load = loadLoop(4, productDetails(gateway));
    await sleep(500);

    const third = await shop(prefix, { DEMO_SERVICES: "catalog" });
    const registeredAt = performance.now();
    const tookMs = await within(
      2000,
      async () => (await catalogTotal(third)) > 0,
      "the new instance gets traffic",
    );
    // Then it takes its share: about a third of catalog calls over the next second.
    const before = await Promise.all([second, third].map(catalogTotal));
    await sleep(1000);
    const after = await Promise.all([second, third].map(catalogTotal));
    const samples = await load.stop();

    expect(performance.now() - registeredAt).toBeGreaterThanOrEqual(tookMs);
    expect(tookMs).toBeLessThan(2000);
    const [secondShare, thirdShare] = [0, 1].map((i) => (after[i] ?? 0) - (before[i] ?? 0));
    expect(thirdShare).toBeGreaterThan(0);
    expect(thirdShare).toBeGreaterThan((secondShare ?? 0) / 2);
    expect(samples.length).toBeGreaterThan(20);
    expect(failures(samples)).toEqual([]);
  }, 60_000);

  it("loses no request when a catalog instance dies: retries go to the other, and its lease expires", async () => {
    const prefix = newPrefix();
    const first = await shop(prefix);
    const doomed = await shop(prefix, { DEMO_SERVICES: "catalog" });
    const gateway = await bff(prefix);
    const registered = async () => (await etcd.getAll().prefix(`${prefix}/catalog/`).keys()).length;
    expect(await registered()).toBe(2);

    const load = loadLoop(4, productDetails(gateway));
    await within(5000, async () => (await catalogTotal(doomed)) >= 10, "both instances serve");
    const firstBefore = await catalogTotal(first);
    await doomed.stop("SIGKILL"); // no deregistration: its key stays until the lease (5 s) expires
    const killedAt = performance.now();
    await sleep(1500);
    expect(await registered()).toBe(2);
    const goneMs = await within(10_000, async () => (await registered()) === 1, "the lease expires");
    await sleep(500);
    const samples = await load.stop();

    // Catalog is required: a lost catalog call would be a 5xx. Every request had a healthy instance.
    expect(failures(samples)).toEqual([]);
    expect(samples.filter((s) => s.startedAt > killedAt).length).toBeGreaterThan(20);
    expect(await catalogTotal(first)).toBeGreaterThan(firstBefore);
    expect(goneMs + 1500).toBeLessThan(10_000);
  }, 60_000);

  it("drops an instance at once when it deregisters on SIGTERM, losing no request", async () => {
    const prefix = newPrefix();
    await shop(prefix);
    const leaving = await shop(prefix, { DEMO_SERVICES: "catalog" });
    const gateway = await bff(prefix);
    const load = loadLoop(4, productDetails(gateway));
    await within(5000, async () => (await catalogTotal(leaving)) >= 10, "both instances serve");
    const exit = leaving.stop("SIGTERM");
    await within(
      1000,
      async () => (await etcd.getAll().prefix(`${prefix}/catalog/`).keys()).length === 1,
      "deregistered",
    );
    expect(await exit).toBe(0);
    await sleep(500);
    const samples = await load.stop();
    expect(failures(samples)).toEqual([]);
  }, 60_000);

  it("keeps serving from the last known instances while etcd is unreachable, and sees changes once it is back", async () => {
    const prefix = newPrefix();
    const proxy = await startTcpProxy(hostPort(etcdEndpoint()));
    proxies.push(proxy);
    await shop(prefix);
    const gateway = await bff(prefix, { ETCD_ENDPOINTS: `http://${proxy.address}` });
    expect(await statusOf(`${gateway.url}/productdetails/p1`)).toBe(200);

    await proxy.setMode("reset");
    const load = loadLoop(2, productDetails(gateway));
    // Meanwhile a new catalog instance registers (straight to etcd, the gateway cannot see it).
    const late = await shop(prefix, { DEMO_SERVICES: "catalog" });
    await sleep(2000);
    const duringOutage = await catalogTotal(late);
    await proxy.setMode("forward");
    await within(15_000, async () => (await catalogTotal(late)) > duringOutage, "the gateway catches up");
    const samples = await load.stop();
    expect(duringOutage).toBe(0);
    expect(failures(samples)).toEqual([]);
  }, 60_000);

  it("finds gRPC inventory instances under inventory-grpc and balances over them (INVENTORY_TRANSPORT=grpc)", async () => {
    const prefix = newPrefix();
    const grpc = { INVENTORY_TRANSPORT: "grpc" };
    const first = await shop(prefix, grpc);
    const second = await shop(prefix, { ...grpc, DEMO_SERVICES: "inventory" });
    const registered = await etcd.getAll().prefix(`${prefix}/inventory-grpc/`).strings();
    expect(
      Object.values(registered)
        .map((value) => JSON.parse(value).url)
        .sort(),
    ).toEqual([first.grpc.inventory, second.grpc.inventory].sort());
    const gateway = await bff(prefix, grpc);
    const inventoryInstances = async () => {
      const status = (await (await fetch(`${gateway.url}/admin/status`)).json()) as {
        upstreams: { inventory: { instances: { url: string }[] } };
      };
      return status.upstreams.inventory.instances.map((instance) => instance.url).sort();
    };
    expect(await inventoryInstances()).toEqual([first.grpc.inventory, second.grpc.inventory].sort());

    const grpcCalls = async (proc: DemoShop) =>
      (
        (await (await fetch(`${proc.control}/_requests?service=inventory`)).json()) as {
          items: { method: string }[];
        }
      ).items.filter((request) => request.method === "GRPC").length;
    for (let i = 0; i < 8; i++) expect(await productDetails(gateway)(i)).toBe(200);
    expect(await grpcCalls(first)).toBeGreaterThan(0);
    expect(await grpcCalls(second)).toBeGreaterThan(0);

    // Deregistered on SIGTERM: inventory's list shrinks to the one left.
    expect(await second.stop("SIGTERM")).toBe(0);
    await within(2000, async () => (await inventoryInstances()).length === 1, "deregistered");
    expect(await inventoryInstances()).toEqual([first.grpc.inventory]);
  }, 60_000);

  it("refuses to start, with one clear line and exit 1, when etcd cannot be reached", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const startedAt = performance.now();
    const error = await startBff("mobile-bff", {
      ...discovery("/portico-test-never/services", endpoint),
      DISCOVERY_WAIT_MS: "1000",
    }).then(
      (proc) => {
        started.push(proc);
        return undefined;
      },
      (e: unknown) => String(e),
    );
    expect(error).toContain("exited with 1 before it was ready");
    expect(error).toContain(
      `mobile-bff: Service registry unreachable: no answer from etcd at ${endpoint} (ETCD_ENDPOINTS) within 1000 ms`,
    );
    expect(performance.now() - startedAt).toBeLessThan(10_000);
  });
});
