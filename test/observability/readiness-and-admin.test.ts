import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../support/problem.js";
import {
  clearFaults,
  type DemoShop,
  injectFault,
  type RunningBff,
  startBff,
  startDemoShop,
} from "../support/processes.js";

const OPEN_MS = 1_500;
const ADMIN_TOKEN = `admin-${process.pid}-${Date.now()}`;

let shop: DemoShop;
const bffs: RunningBff[] = [];

beforeAll(async () => {
  shop = await startDemoShop();
  for (const app of ["mobile-bff", "web-bff", "partner-bff"]) {
    bffs.push(
      await startBff(app, {
        ...shop.env,
        ADMIN_TOKEN,
        BREAKER_MIN_REQUESTS: "3",
        BREAKER_OPEN_MS: String(OPEN_MS),
        BREAKER_WINDOW_MS: "30000",
      }),
    );
  }
});

afterAll(async () => {
  for (const bff of bffs) await bff.stop();
  await shop?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe("/readyz", () => {
  it("is 503 on every BFF while catalog's circuit is open, and ready again once it is not", async () => {
    for (const bff of bffs) expect((await fetch(`${bff.url}/readyz`)).status).toBe(200);
    await injectFault(shop, "catalog", { mode: "error", status: 500 });
    const [mobile, web, partner] = bffs as [RunningBff, RunningBff, RunningBff];
    const drive = [
      () => fetch(`${mobile.url}/productdetails/p1`),
      () => fetch(`${web.url}/api/product-page/p1`),
      () => fetch(`${partner.url}/v1/products/p1`, { headers: { "x-api-key": "demo-partner-key" } }),
    ];
    for (const call of drive) {
      for (let i = 0; i < 3; i++) await (await call()).arrayBuffer();
    }
    for (const bff of bffs) {
      const response = await fetch(`${bff.url}/readyz`);
      const body = await expectProblem(response, 503, "/readyz");
      expect(body.code).toBe("CIRCUIT_OPEN");
      expect(response.headers.get("retry-after")).toBe("1");
      // Liveness is unaffected.
      expect((await fetch(`${bff.url}/healthz`)).status).toBe(200);
      const status = (await (await fetch(`${bff.url}/admin/status`, { headers: admin })).json()) as {
        ready: boolean;
        upstreams: Record<string, { circuit: string }>;
      };
      expect(status.ready).toBe(false);
      expect(status.upstreams.catalog?.circuit).toBe("open");
    }

    // After the open period the circuit is half-open: ready, so that traffic can make the trial.
    await clearFaults(shop);
    await sleep(OPEN_MS + 300);
    for (const bff of bffs) expect((await fetch(`${bff.url}/readyz`)).status).toBe(200);
    for (const call of drive) expect((await call()).status).toBe(200);
  });
});

describe("ADMIN_TOKEN", () => {
  it("guards /admin* with a bearer token on every BFF, 401 problem+json otherwise", async () => {
    for (const bff of bffs) {
      for (const path of ["/admin", "/admin/status", "/admin/events"]) {
        await expectProblem(await fetch(`${bff.url}${path}`), 401, path);
        const wrong = await fetch(`${bff.url}${path}`, {
          headers: { authorization: "Bearer not-the-token" },
        });
        expect(wrong.headers.get("www-authenticate")).toMatch(/^Bearer/);
        await expectProblem(wrong, 401, path);
      }
      const page = await fetch(`${bff.url}/admin`, { headers: admin });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      await page.arrayBuffer();
      const status = await fetch(`${bff.url}/admin/status`, { headers: admin });
      expect(status.status).toBe(200);
      expect(Object.keys(((await status.json()) as { upstreams: object }).upstreams)).toContain("catalog");
      // Probes and scrapes need no token.
      expect((await fetch(`${bff.url}/metrics`)).status).toBe(200);
    }
  });

  it("answers 405 with Allow for another method on an admin path", async () => {
    const response = await fetch(`${bffs[0]?.url}/admin/status`, { method: "POST", headers: admin });
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    await expectProblem(response, 405);
  });
});
