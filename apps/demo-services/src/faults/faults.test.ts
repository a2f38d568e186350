import { eventually } from "@portico/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type DemoServices, startDemoServices } from "../start-demo-services.js";
import { productSchema } from "../test-support/contract-schemas.js";
import { errorCode, fetchJson, postJson, rawGet } from "../test-support/http.js";

let demo: DemoServices;
let product: string;

beforeAll(async () => {
  demo = await startDemoServices({ services: ["catalog", "pricing", "inventory"] });
  product = `${demo.url("catalog")}/products/p1`;
});

afterEach(async () => {
  await demo.clearFault();
});

afterAll(async () => {
  await demo.close();
});

/** Sets a fault through the service's own control route. */
async function inject(body: unknown, service: "catalog" | "pricing" | "inventory" = "catalog") {
  const res = await postJson(`${demo.url(service)}/_faults`, body);
  expect(res.status).toBe(204);
}

function fetchCause(error: unknown): string | undefined {
  return errorCode((error as { cause?: unknown }).cause);
}

describe("fault injection", () => {
  it("delay answers normally, late", async () => {
    await inject({ mode: "delay", ms: 300 });
    const started = performance.now();
    const res = await fetchJson(product);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    productSchema.parse(res.body);
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(3000);
  });

  it("error answers the status with a JSON body", async () => {
    await inject({ mode: "error", status: 503 });
    const res = await fetchJson(product);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: "injected_fault", status: 503 });
  });

  it("error defaults to 500", async () => {
    await inject({ mode: "error" });
    expect((await fetchJson(product)).status).toBe(500);
  });

  it("hang never answers; the client times out", async () => {
    await inject({ mode: "hang" });
    const failure = await fetch(product, { signal: AbortSignal.timeout(200) }).catch((e: unknown) => e);
    expect((failure as Error).name).toBe("TimeoutError");
  });

  it("malformed answers 200 JSON that does not parse", async () => {
    await inject({ mode: "malformed" });
    const res = await fetch(product);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  it("wrong-shape answers valid JSON of the wrong shape", async () => {
    await inject({ mode: "wrong-shape" });
    const res = await fetchJson(product);
    expect(res.status).toBe(200);
    expect(productSchema.safeParse(res.body).success).toBe(false);
  });

  it("wrong-shape answers a chosen body", async () => {
    await inject({ mode: "wrong-shape", body: { id: 42, name: null } });
    expect((await fetchJson(product)).body).toEqual({ id: 42, name: null });
  });

  it("reset starts an answer and then drops the connection", async () => {
    await inject({ mode: "reset" });
    let status = 0;
    const failure = await rawGet(product, { onResponse: (s) => (status = s) }).catch((e: unknown) => e);
    expect(status).toBe(200);
    expect(failure).toBeInstanceOf(Error);
    expect(["ECONNRESET", "ERR_STREAM_PREMATURE_CLOSE"]).toContain(errorCode(failure));
  });

  it("reset makes a fetch body read fail after the headers arrived", async () => {
    await inject({ mode: "reset" });
    const res = await fetch(product);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it("refuse closes the port until cleared, then serves on the same port", async () => {
    const url = `${demo.url("pricing")}/prices/p1`;
    expect((await fetchJson(url)).status).toBe(200);
    await inject({ mode: "refuse" }, "pricing");
    const refused = await fetch(url).catch((e: unknown) => e);
    expect(fetchCause(refused)).toBe("ECONNREFUSED");
    await expect(rawGet(url)).rejects.toMatchObject({ code: "ECONNREFUSED" });

    const cleared = await fetch(`${demo.controlUrl}/_faults/pricing`, { method: "DELETE" });
    expect(cleared.status).toBe(204);
    expect((await fetchJson(url)).status).toBe(200);
  });

  it("refuse closes idle keep-alive connections too", async () => {
    const url = `${demo.url("inventory")}/stock/p1`;
    // Warm a pooled keep-alive connection first, then refuse through the control server.
    expect((await fetchJson(url)).status).toBe(200);
    await demo.setFault("inventory", { mode: "refuse" });
    // The pooled connection must not serve this: it is closed (usually ECONNREFUSED on redial).
    const refused = await fetch(url).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(demo.requests("inventory").filter((r) => r.path === "/stock/p1")).toHaveLength(1);
    await demo.clearFault("inventory");
    expect((await fetchJson(url)).status).toBe(200);
  });

  it("applies to /health too, but never to /_faults", async () => {
    await inject({ mode: "hang" });
    await expect(rawGet(`${demo.url("catalog")}/health`, { timeoutMs: 150 })).rejects.toMatchObject({
      code: "TEST_TIMEOUT",
    });
    const current = await fetchJson(`${demo.url("catalog")}/_faults`);
    expect(current.body).toEqual({ service: "catalog", fault: { mode: "hang", rate: 1 } });
  });

  it("can be limited to some paths", async () => {
    await inject({ mode: "error", status: 502, paths: ["/products/p2"] });
    expect((await fetchJson(product)).status).toBe(200);
    expect((await fetchJson(`${demo.url("catalog")}/products/p2`)).status).toBe(502);
  });

  it("affects a deterministic fraction of requests with rate", async () => {
    await inject({ mode: "error", status: 503, rate: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetchJson(product)).status);
    expect(statuses).toEqual([200, 503, 200, 503]);
  });

  it("is cleared with DELETE /_faults", async () => {
    await inject({ mode: "error" });
    const res = await fetch(`${demo.url("catalog")}/_faults`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect((await fetchJson(product)).status).toBe(200);
    expect((await fetchJson(`${demo.url("catalog")}/_faults`)).body).toEqual({
      service: "catalog",
      fault: null,
    });
  });

  it("rejects an invalid fault with 400 JSON and keeps the current one", async () => {
    await inject({ mode: "error", status: 503 });
    const res = await postJson(`${demo.url("catalog")}/_faults`, { mode: "delay", ms: "slow" });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: "bad_request" });
    expect(demo.getFault("catalog")).toMatchObject({ mode: "error", status: 503 });
  });

  it("counts requests the client abandoned", async () => {
    await demo.setFault("catalog", { mode: "delay", ms: 5000 });
    const before = demo.stats("catalog");
    const controller = new AbortController();
    const pending = fetch(product, { signal: controller.signal }).catch(() => undefined);
    await eventually(() => demo.stats("catalog").inFlight === before.inFlight + 1, 2_000);
    controller.abort();
    await pending;
    await eventually(() => demo.stats("catalog").closedByClient === before.closedByClient + 1, 2_000);
    expect(demo.stats("catalog").inFlight).toBe(before.inFlight);
  });

  it("does not count a reset it caused as closed by the client", async () => {
    await inject({ mode: "reset" });
    const before = demo.stats("catalog").closedByClient;
    await rawGet(product).catch(() => undefined);
    await eventually(() => demo.stats("catalog").inFlight === 0, 2_000);
    expect(demo.stats("catalog").closedByClient).toBe(before);
  });

  it("close() ends hung requests", async () => {
    const local = await startDemoServices({ services: ["catalog"] });
    await local.setFault("catalog", { mode: "hang" });
    const pending = rawGet(`${local.url("catalog")}/products/p1`, { timeoutMs: 5000 }).catch(
      (e: unknown) => e,
    );
    await eventually(() => local.stats("catalog").inFlight === 1, 2_000);
    await local.close();
    expect(errorCode(await pending)).toBe("ECONNRESET");
  });
});
