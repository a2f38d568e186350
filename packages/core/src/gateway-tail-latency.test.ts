import { type FakeUpstream, sendJson, startFakeUpstream } from "@portico/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadGatewayConfig } from "./config/gateway-config.js";
import { createRequestContext } from "./context.js";
import { createGateway, type Gateway } from "./gateway.js";
import { GatewayObservability } from "./observability/gateway-observability.js";

const schema = z.object({ id: z.string() });
const gateways: Gateway[] = [];
const servers: FakeUpstream[] = [];

afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Two catalog instances: the first never answers, the second at once. */
async function gatewayWith(env: Record<string, string>): Promise<Gateway> {
  const hanging = await startFakeUpstream(() => {});
  const fast = await startFakeUpstream((_req, res) => sendJson(res, 200, { id: "p1" }));
  servers.push(hanging, fast);
  const config = loadGatewayConfig(
    { CATALOG_URL: `${hanging.url},${fast.url}`, CATALOG_TIMEOUT_MS: "400", ...env },
    { defaultPort: 0 },
  );
  const gateway = createGateway(config, {
    observability: new GatewayObservability({ processMetrics: false }),
  });
  gateways.push(gateway);
  return gateway;
}

function sample(text: string, name: string, service: string, outcome?: string): number | undefined {
  const labels = outcome === undefined ? `service="${service}"` : `service="${service}",outcome="${outcome}"`;
  const line = text.split("\n").find((each) => each.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(" ").pop());
}

describe("createGateway: hedging and adaptive concurrency", () => {
  it("is off by default: no hedge (the hanging instance's call times out), the static bulkhead", async () => {
    const gateway = await gatewayWith({});
    const outcomes = await Promise.allSettled([
      gateway.clients.catalog.get(createRequestContext({ deadlineMs: 2_000 }), "/products/a", schema),
      gateway.clients.catalog.get(createRequestContext({ deadlineMs: 2_000 }), "/products/b", schema),
    ]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(gateway.clients.catalog.bulkhead).toMatchObject({ capacity: 256, limit: 256 });
    const text = await gateway.observability.metrics.text();
    expect(sample(text, "portico_upstream_hedges_total", "catalog", "sent")).toBe(0);
    expect(sample(text, "portico_upstream_concurrency_limit", "catalog")).toBe(256);
  });

  it("with CATALOG_HEDGE_AFTER_MS and ADAPTIVE_CONCURRENCY=on: hedges to the other instance, counted and shown", async () => {
    const gateway = await gatewayWith({ CATALOG_HEDGE_AFTER_MS: "30", ADAPTIVE_CONCURRENCY: "on" });
    for (const key of ["a", "b"]) {
      const ctx = createRequestContext({ deadlineMs: 2_000 });
      await expect(gateway.clients.catalog.get(ctx, `/products/${key}`, schema)).resolves.toEqual({
        id: "p1",
      });
    }
    // Round robin over two instances: each call's first attempt goes to the hanging one (the hedge takes the other).
    const text = await gateway.observability.metrics.text();
    expect(sample(text, "portico_upstream_hedges_total", "catalog", "sent")).toBe(2);
    expect(sample(text, "portico_upstream_hedges_total", "catalog", "won")).toBe(2);
    expect(sample(text, "portico_upstream_concurrency_limit", "catalog")).toBe(20);
    expect(sample(text, "portico_upstream_concurrency_limit", "pricing")).toBe(20);
    expect(gateway.observability.status().upstreams.catalog).toMatchObject({
      hedges: { sent: 2, won: 2 },
      concurrencyLimit: 20,
      capacity: 256,
    });
  });
});
