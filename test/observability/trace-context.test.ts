import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clearRecordedRequests,
  type DemoShop,
  type RunningBff,
  recordedRequests,
  startBff,
  startDemoShop,
} from "../support/processes.js";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

let shop: DemoShop;
let bff: RunningBff;

beforeAll(async () => {
  shop = await startDemoShop();
  bff = await startBff("mobile-bff", { ...shop.env, LOG_LEVEL: "info" });
});

afterAll(async () => {
  await bff?.stop();
  await shop?.stop();
});

async function tracesOf(headers: Record<string, string>, id: string) {
  await clearRecordedRequests(shop);
  const response = await fetch(`${bff.url}/productdetails/${id}`, { headers });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  const seen = await recordedRequests(shop);
  expect(seen.length).toBeGreaterThanOrEqual(6);
  return {
    requestId: response.headers.get("x-request-id"),
    upstream: seen.map((request) => {
      const match = TRACEPARENT.exec(request.traceparent ?? "");
      expect(match, `${request.service} got ${request.traceparent}`).not.toBeNull();
      return { service: request.service, traceId: match?.[1], parentId: match?.[2], flags: match?.[3] };
    }),
  };
}

describe("W3C trace context", () => {
  it("continues the client's trace: every upstream call carries its trace id, with the gateway's span as parent", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const clientSpan = "00f067aa0ba902b7";
    const { upstream, requestId } = await tracesOf({ traceparent: `00-${traceId}-${clientSpan}-01` }, "p1");
    for (const call of upstream) {
      expect(call.traceId, call.service).toBe(traceId);
      expect(call.flags, call.service).toBe("01");
      expect(call.parentId, call.service).not.toBe(clientSpan);
    }
    // One gateway span per client request: every call of this request names it as parent.
    expect(new Set(upstream.map((call) => call.parentId)).size).toBe(1);

    // The request's log line carries the trace id too.
    await expect
      .poll(() => bff.output().includes(`"requestId":"${requestId}","traceId":"${traceId}"`), {
        timeout: 3_000,
      })
      .toBe(true);
  });

  it("keeps the client's sampling flag", async () => {
    const { upstream } = await tracesOf(
      { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00" },
      "p2",
    );
    for (const call of upstream)
      expect(call).toMatchObject({ traceId: "0af7651916cd43dd8448eb211c80319c", flags: "00" });
  });

  it("starts a new trace when none came, or the one that came is malformed", async () => {
    const first = await tracesOf({}, "p3");
    const second = await tracesOf({ traceparent: "00-not-a-trace-01" }, "p3");
    for (const { upstream } of [first, second]) {
      expect(new Set(upstream.map((call) => call.traceId)).size).toBe(1);
      expect(upstream[0]?.traceId).not.toMatch(/^0+$/);
    }
    expect(first.upstream[0]?.traceId).not.toBe(second.upstream[0]?.traceId);
  });
});
