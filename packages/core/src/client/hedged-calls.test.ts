import type http from "node:http";
import { sendJson, type UpstreamHandler } from "@portico/test-support";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SingleFlight } from "../cache/single-flight.js";
import { createRequestContext, type RequestContext } from "../context.js";
import { roundRobin } from "../discovery/load-balancer.js";
import { StaticRegistry } from "../discovery/static-registry.js";
import type { HedgeAfter } from "../resilience/hedge-policy.js";
import { createUpstreamPolicy } from "../resilience/upstream-policy.js";
import { sleep } from "../test-support/async.js";
import { useFakeUpstreams } from "../test-support/fake-upstreams.js";
import { HttpTransport } from "./http-transport.js";
import { ServiceClient } from "./service-client.js";
import type { UpstreamAttemptEvent } from "./upstream-observer.js";

const productSchema = z.object({ id: z.string(), name: z.string() });
const PRODUCT = { id: "p1", name: "Lamp" };

const { upstream, onCleanup } = useFakeUpstreams();

/** Answers the product after `ms` (never, when undefined: the request hangs until closed). */
const answerAfter =
  (ms: number | undefined): UpstreamHandler =>
  async (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (ms === undefined) return;
    await sleep(ms);
    if (!res.destroyed) sendJson(res, 200, PRODUCT);
  };

function hedgedClient(urls: readonly string[], after: HedgeAfter | undefined, budgetPct = 100) {
  const transport = new HttpTransport();
  const hedges: string[] = [];
  const attempts: UpstreamAttemptEvent[] = [];
  const { policy, writePolicy, streamPolicy, breaker, bulkhead } = createUpstreamPolicy({
    service: "catalog",
    timeoutMs: 3_000,
    breaker: { windowMs: 10_000, minRequests: 100, errorPct: 50, openMs: 5_000 },
    maxConcurrent: 64,
    idempotent: true,
    hedge: after === undefined ? undefined : { after, budgetPct, onHedge: (outcome) => hedges.push(outcome) },
  });
  onCleanup(async () => {
    breaker.dispose();
    await transport.close();
  });
  const client = new ServiceClient({
    service: "catalog",
    balancer: roundRobin(new StaticRegistry({ catalog: urls }), "catalog"),
    transport,
    policy,
    writePolicy,
    streamPolicy,
    breaker,
    bulkhead,
    singleFlight: new SingleFlight(),
    observer: { attempt: (event) => attempts.push(event) },
  });
  return { client, hedges, attempts };
}

const context = (): RequestContext => createRequestContext({ deadlineMs: 5_000 });

describe("hedged reads (<SERVICE>_HEDGE_AFTER_MS)", () => {
  it("sends one more attempt to the other instance after the delay; the first answer wins, the loser is aborted", async () => {
    const slow = await upstream(answerAfter(undefined));
    const fast = await upstream(answerAfter(0));
    const { client, hedges, attempts } = hedgedClient([slow.url, fast.url], 50);
    const ctx = context();
    const started = performance.now();
    await expect(client.get(ctx, "/products/p1", productSchema)).resolves.toEqual(PRODUCT);
    const tookMs = performance.now() - started;
    expect(tookMs).toBeGreaterThanOrEqual(45);
    expect(tookMs).toBeLessThan(1_000);
    expect(slow.requests).toHaveLength(1);
    expect(fast.requests).toHaveLength(1);
    expect(hedges).toEqual(["sent", "won"]);
    // The loser's socket is closed: the slow instance sees its request go.
    await slow.requests[0]?.closedEarly;
    // The loser is not counted by the breaker; the winner is.
    expect(client.breaker.snapshot()).toMatchObject({ calls: 1, successes: 1, failures: 0 });
    await sleep(20);
    expect(attempts.map((event) => event.outcome).sort()).toEqual(["aborted", "ok"]);
    expect(client.bulkhead.inFlight).toBe(0);
    // Server-Timing says the hedge answered first.
    const timing = ctx.timings.header() ?? "";
    expect(timing).toMatch(/(^|, )catalog;dur=[\d.]+(,|$)/);
    expect(timing).toMatch(/(^|, )catalog-hedge-won;dur=[\d.]+(,|$)/);
  });

  it("sends no hedge when the answer comes before the delay", async () => {
    const a = await upstream(answerAfter(0));
    const b = await upstream(answerAfter(0));
    const { client, hedges } = hedgedClient([a.url, b.url], 300);
    for (let i = 0; i < 4; i++) await client.get(context(), `/products/p${i}`, productSchema);
    expect(hedges).toEqual([]);
    expect(a.requests.length + b.requests.length).toBe(4);
  });

  it("keeps the first attempt's answer when it comes before the hedge's, and aborts the hedge", async () => {
    // The first instance answers after 120 ms; the hedge (after 40 ms) goes to one that hangs.
    const first = await upstream(answerAfter(120));
    const hanging = await upstream(answerAfter(undefined));
    const { client, hedges } = hedgedClient([first.url, hanging.url], 40);
    const ctx = context();
    await expect(client.get(ctx, "/products/p1", productSchema)).resolves.toEqual(PRODUCT);
    expect(hedges).toEqual(["sent", "lost"]);
    await hanging.requests[0]?.closedEarly;
    expect(client.breaker.snapshot()).toMatchObject({ calls: 1, successes: 1 });
    expect(ctx.timings.header()).toContain("catalog-hedge-lost;dur=");
  });

  it("waits for the hedge when the first attempt fails after the hedge went out", async () => {
    const failing = await upstream(async (_req, res) => {
      await sleep(80);
      res.writeHead(500).end();
    });
    const ok = await upstream(answerAfter(100));
    const { client, hedges } = hedgedClient([failing.url, ok.url], 30);
    await expect(client.get(context(), "/products/p1", productSchema)).resolves.toEqual(PRODUCT);
    expect(hedges).toEqual(["sent", "won"]);
    // Every attempt that was not aborted is counted: the 500 and the answer.
    expect(client.breaker.snapshot()).toMatchObject({ calls: 2, successes: 1, failures: 1 });
  });

  it("hedges to the same instance when there is only one", async () => {
    let seen = 0;
    const only = await upstream(async (_req, res) => {
      seen++;
      if (seen === 1) return; // the first request hangs
      sendJson(res, 200, PRODUCT);
    });
    const { client, hedges } = hedgedClient([only.url], 30);
    await expect(client.get(context(), "/products/p1", productSchema)).resolves.toEqual(PRODUCT);
    expect(hedges).toEqual(["sent", "won"]);
    expect(only.requests).toHaveLength(2);
    await only.requests[0]?.closedEarly;
  });

  it("caps hedges at HEDGE_BUDGET_PCT % of the first attempts, plus one", async () => {
    const slow = await upstream(answerAfter(60));
    const { client, hedges } = hedgedClient([slow.url], 10, 10);
    // 20 calls, each slower than the delay: 10 % of 20 is 2, plus one: at most 3 hedges.
    for (let i = 0; i < 20; i++) await client.get(context(), `/products/p${i}`, productSchema);
    const sent = hedges.filter((outcome) => outcome === "sent").length;
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThanOrEqual(3);
    expect(slow.requests).toHaveLength(20 + sent);
  });

  it("p95 mode: no hedge before 20 calls in the window, then hedges past the service's p95", async () => {
    let slowNext = false;
    const server = await upstream(async (_req, res) => {
      if (slowNext) {
        slowNext = false;
        await sleep(400);
      }
      if (!res.destroyed) sendJson(res, 200, PRODUCT);
    });
    const { client, hedges } = hedgedClient([server.url], "p95");
    // A slow call before 20 calls were seen: not hedged.
    slowNext = true;
    await client.get(context(), "/products/slow-early", productSchema);
    expect(hedges).toEqual([]);
    for (let i = 0; i < 25; i++) await client.get(context(), `/products/p${i}`, productSchema);
    expect(hedges).toEqual([]);
    // p95 is now a few ms (the cached value refreshes every 250 ms); a 400 ms call is hedged.
    await sleep(300);
    slowNext = true;
    const started = performance.now();
    await client.get(context(), "/products/slow-late", productSchema);
    expect(hedges).toEqual(["sent", "won"]);
    expect(performance.now() - started).toBeLessThan(300);
  });

  it("never hedges writes or the pass-through", async () => {
    const slow = await upstream(async (req, res) => {
      await sleep(100);
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "text/plain" }).end("raw");
        return;
      }
      sendJson(res, 200, PRODUCT);
    });
    const { client, hedges } = hedgedClient([slow.url], 10);
    await client.send(context(), "PUT", "/products/p1", { body: { name: "Lamp" }, schema: productSchema });
    const streamed = await client.stream(context(), "/raw");
    streamed.body.resume();
    expect(hedges).toEqual([]);
    expect(slow.requests).toHaveLength(2);
  });
});
