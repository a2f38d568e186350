import { closedPort } from "@portico/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GRPC_STATUS } from "./client/grpc-status.js";
import { loadGatewayConfig } from "./config/gateway-config.js";
import { createRequestContext } from "./context.js";
import { UpstreamNotFoundError } from "./errors/index.js";
import { createGateway, type Gateway } from "./gateway.js";
import { GatewayObservability } from "./observability/gateway-observability.js";
import { nullIfNotFound } from "./services/shop-parts.js";
import { type FakeGrpcInventory, startFakeGrpcInventory } from "./test-support/grpc-inventory.js";

const ctx = () => createRequestContext({ deadlineMs: 2_000 });

describe("createGateway with INVENTORY_TRANSPORT=grpc", () => {
  let inventory: FakeGrpcInventory;
  let garbage: FakeGrpcInventory;
  let refused: string;
  const gateways: Gateway[] = [];

  /** A gateway whose inventory is the given gRPC instances; every other service is nowhere. */
  function gatewayOver(grpcUrls: string, env: Record<string, string> = {}): Gateway {
    const config = loadGatewayConfig(
      {
        INVENTORY_TRANSPORT: "grpc",
        INVENTORY_GRPC_URL: grpcUrls,
        INVENTORY_TIMEOUT_MS: "300",
        BREAKER_MIN_REQUESTS: "1000",
        ...env,
      },
      { defaultPort: 0 },
    );
    const gateway = createGateway(config, {
      observability: new GatewayObservability({ processMetrics: false }),
    });
    gateways.push(gateway);
    return gateway;
  }

  beforeAll(async () => {
    inventory = await startFakeGrpcInventory();
    garbage = await startFakeGrpcInventory({ garbage: true });
    refused = `127.0.0.1:${await closedPort()}`;
  });

  afterEach(async () => {
    inventory.answer(undefined);
    inventory.calls.length = 0;
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  });

  afterAll(async () => {
    await inventory.close();
    await garbage.close();
  });

  it("calls inventory over gRPC through the call pipeline: Server-Timing, metadata, status page", async () => {
    const gateway = gatewayOver(inventory.address);
    const context = ctx();
    expect(await gateway.shop.stock(context, "p1")).toEqual({ productId: "p1", available: 3 });
    expect(context.timings.header()).toMatch(/^inventory;dur=\d+\.\d$/);
    expect(inventory.calls[0]).toMatchObject({ method: "GetStock", requestId: context.requestId });
    expect(inventory.calls[0]?.traceparent).toContain(context.trace.traceId);

    const status = gateway.observability.status().upstreams.inventory;
    expect(status?.instances.map((instance) => [instance.id, instance.url])).toEqual([
      [inventory.address, inventory.address],
    ]);
    expect(status).toMatchObject({ calls: 1, failures: 0 });
  });

  it("balances over every INVENTORY_GRPC_URL instance: a refused one is retried on the other, and ejected", async () => {
    const gateway = gatewayOver(`${refused},${inventory.address}`);
    for (let i = 0; i < 4; i++) {
      expect(await gateway.shop.stock(ctx(), "p3")).toEqual({ productId: "p3", available: 42 });
    }
    const instances = gateway.observability.status().upstreams.inventory?.instances ?? [];
    expect(instances.map((instance) => instance.id).sort()).toEqual([inventory.address, refused].sort());
    // Refused once, ejected at once (nothing listens there): never tried again.
    expect(instances.find((instance) => instance.id === refused)?.failed).toBe(1);
    expect(instances.find((instance) => instance.id === inventory.address)?.attempts).toBe(4);
    expect(
      gateway.balancing.instances("inventory").find((instance) => instance.id === refused),
    ).toMatchObject({
      ejected: true,
    });
  });

  it("makes a list of stock one BatchGetStock call", async () => {
    const gateway = gatewayOver(inventory.address);
    expect(gateway.shop.batchStock).toBe(true);
    expect(await gateway.shop.stocks(ctx(), ["p1", "nope", "p2"])).toEqual([
      { productId: "p1", available: 3 },
      { productId: "p2", available: 0 },
    ]);
    expect(inventory.calls.map((call) => call.method)).toEqual(["BatchGetStock"]);
  });

  it("takes NOT_FOUND as the HTTP API's 404: an answer (null for the part), not a failure", async () => {
    const gateway = gatewayOver(inventory.address);
    await expect(gateway.shop.stock(ctx(), "nope")).rejects.toBeInstanceOf(UpstreamNotFoundError);
    expect(await nullIfNotFound(gateway.shop.stock(ctx(), "nope"))).toBeNull();
    expect(gateway.observability.status().upstreams.inventory).toMatchObject({ calls: 2, failures: 0 });
  });

  it("counts an undecodable answer, a timeout and INTERNAL as failures; UNAVAILABLE is retried", async () => {
    const broken = gatewayOver(garbage.address);
    await expect(broken.shop.stock(ctx(), "p1")).rejects.toMatchObject({ code: "UPSTREAM_BAD_RESPONSE" });
    expect(garbage.calls).toHaveLength(1);
    expect(broken.observability.status().upstreams.inventory).toMatchObject({ calls: 1, failures: 1 });

    const gateway = gatewayOver(inventory.address);
    inventory.answer(() => ({ hang: true }));
    const started = performance.now();
    await expect(gateway.shop.stock(ctx(), "p1")).rejects.toMatchObject({ code: "UPSTREAM_TIMEOUT" });
    expect(performance.now() - started).toBeLessThan(800);
    inventory.answer(() => ({ code: GRPC_STATUS.INTERNAL }));
    await expect(gateway.shop.stock(ctx(), "p1")).rejects.toMatchObject({
      code: "UPSTREAM_STATUS",
      upstreamStatus: 500,
    });
    expect(gateway.observability.status().upstreams.inventory).toMatchObject({ calls: 2, failures: 2 });
    // Neither a timeout nor a 500 is retried: one attempt each.
    expect(inventory.calls).toHaveLength(2);

    inventory.calls.length = 0;
    let unavailable = 1;
    inventory.answer(() =>
      unavailable-- > 0 ? { code: GRPC_STATUS.UNAVAILABLE } : { message: { productId: "p1", available: 9 } },
    );
    expect(await gateway.shop.stock(ctx(), "p1")).toEqual({ productId: "p1", available: 9 });
    expect(inventory.calls).toHaveLength(2);
  });

  it("keeps inventory on HTTP with INVENTORY_TRANSPORT=http (the default)", () => {
    const gateway = gatewayOver(inventory.address, { INVENTORY_TRANSPORT: "http" });
    expect(gateway.shop.batchStock).toBe(false);
    expect(gateway.registry.instances("inventory").map((instance) => instance.url)).toEqual([
      "http://127.0.0.1:7104",
    ]);
  });
});
