import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clearFaults,
  type DemoShop,
  injectFault,
  type RunningBff,
  startBff,
  startDemoShop,
  tokenFor,
} from "../support/processes.js";

const API_KEY = `partner-secret-${process.pid}-5f1c2e9a7b`;
const ADMIN_TOKEN = `admin-secret-${process.pid}-0d4e8c`;
const WRONG_ADMIN = `admin-guess-${process.pid}-77aa`;
const COOKIE = `session-${process.pid}-c0ffee`;

let shop: DemoShop;

beforeAll(async () => {
  shop = await startDemoShop();
});

afterAll(async () => {
  await shop?.stop();
});

/** Every JSON line the process wrote to stdout. */
function jsonLines(bff: RunningBff): Record<string, unknown>[] {
  return bff
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function waitForLines(bff: RunningBff, count: number): Promise<void> {
  await expect
    .poll(() => jsonLines(bff).filter((line) => line.msg === "request").length, { timeout: 5_000 })
    .toBeGreaterThanOrEqual(count);
}

describe.each(["info", "trace"])("logs at LOG_LEVEL=%s", (level) => {
  it("mobile-bff: one JSON line per request, and never a bearer token, a cookie or the admin token", async () => {
    const bff = await startBff("mobile-bff", { ...shop.env, LOG_LEVEL: level, ADMIN_TOKEN });
    try {
      const token = await tokenFor(shop, "c1");
      const headers = { authorization: `Bearer ${token}`, cookie: `sid=${COOKIE}` };
      expect((await fetch(`${bff.url}/productdetails/p1`, { headers })).status).toBe(200);
      // A bad token (401), a failing upstream (warn lines), and admin requests with right and wrong tokens.
      expect(
        (await fetch(`${bff.url}/productdetails/p1`, { headers: { authorization: `Bearer ${token}x` } }))
          .status,
      ).toBe(401);
      await injectFault(shop, "reviews", { mode: "error", status: 500 });
      expect((await fetch(`${bff.url}/productdetails/p2?token=${COOKIE}`, { headers })).status).toBe(200);
      await clearFaults(shop);
      expect(
        (await fetch(`${bff.url}/admin/status`, { headers: { authorization: `Bearer ${WRONG_ADMIN}` } }))
          .status,
      ).toBe(401);
      expect(
        (await fetch(`${bff.url}/admin/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }))
          .status,
      ).toBe(200);
      await waitForLines(bff, 3);
      await bff.stop();

      const output = bff.output();
      for (const secret of [token, token.split(".")[2] ?? token, COOKIE, ADMIN_TOKEN, WRONG_ADMIN]) {
        expect(output).not.toContain(secret);
      }
      const lines = jsonLines(bff);
      const requests = lines.filter((line) => line.msg === "request");
      expect(requests).toHaveLength(3);
      expect(requests[0]).toMatchObject({
        level: "info",
        app: "mobile-bff",
        method: "GET",
        route: "/productdetails/:productId",
        path: "/productdetails/p1",
        status: 200,
        degraded: {},
      });
      expect(requests[0]?.requestId).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(requests[0]?.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(typeof requests[0]?.durationMs).toBe("number");
      expect(requests[1]).toMatchObject({ status: 401 });
      expect(requests[2]).toMatchObject({ status: 200, degraded: { reviews: "empty" } });
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: "warn",
          msg: "upstream call failed",
          service: "reviews",
          reason: "UPSTREAM_STATUS 500",
        }),
      );
      expect(lines).toContainEqual(expect.objectContaining({ level: "warn", msg: "admin request refused" }));
    } finally {
      await bff.stop();
    }
  });

  it("partner-bff: never the API key, whether it is known or not", async () => {
    const bff = await startBff("partner-bff", {
      ...shop.env,
      LOG_LEVEL: level,
      PARTNER_KEYS: JSON.stringify([{ key: API_KEY, name: "acme", ratePerMinute: 2 }]),
    });
    try {
      for (let i = 0; i < 3; i++) {
        await (await fetch(`${bff.url}/v1/products/p1`, { headers: { "x-api-key": API_KEY } })).arrayBuffer();
      }
      await (
        await fetch(`${bff.url}/v1/products/p1`, { headers: { "x-api-key": `${API_KEY}-unknown` } })
      ).arrayBuffer();
      await (
        await fetch(`${bff.url}/v1/products?ids=p1,p2`, { headers: { "x-api-key": API_KEY } })
      ).arrayBuffer();
      await waitForLines(bff, 5);
      await bff.stop();
      const output = bff.output();
      expect(output).not.toContain(API_KEY);
      const statuses = jsonLines(bff)
        .filter((line) => line.msg === "request")
        .map((line) => line.status);
      // Two within the quota, then 429; an unknown key is 401.
      expect(statuses).toEqual([200, 200, 429, 401, 429]);
    } finally {
      await bff.stop();
    }
  });
});
