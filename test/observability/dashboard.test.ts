import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireBrowser } from "@portico/test-support";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clearFaults,
  type DemoShop,
  injectFault,
  ROOT,
  type RunningBff,
  startBff,
  startDemoShop,
  tokenFor,
} from "../support/processes.js";

const ARTIFACTS = join(ROOT, "test", "artifacts");
const ADMIN_TOKEN = `dash-${process.pid}-${Date.now()}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the /admin dashboard in headless Chromium", () => {
  let shop: DemoShop;
  let bff: RunningBff;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  let traffic = true;
  let trafficDone: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    // Debian's chromium (`npm run check` installs it), or PORTICO_BROWSER; a clear failure without one.
    const browser = requireBrowser();
    shop = await startDemoShop();
    bff = await startBff("mobile-bff", {
      ...shop.env,
      ADMIN_TOKEN,
      // A short window, so the breaker opens within about a second of the fault: what is
      // measured is how fast the dashboard shows it.
      BREAKER_MIN_REQUESTS: "3",
      BREAKER_WINDOW_MS: "1000",
      BREAKER_OPEN_MS: "30000",
    });
    const token = await tokenFor(shop, "c1");
    // Steady traffic from two clients, signed in (so cart and orders join the waterfall).
    const client = async (offset: number) => {
      for (let i = offset; traffic; i++) {
        await fetch(`${bff.url}/productdetails/p${(i % 9) + 1}`, {
          headers: { authorization: `Bearer ${token}` },
        })
          .then((response) => response.arrayBuffer())
          .catch(() => undefined);
        await sleep(40);
      }
    };
    trafficDone = Promise.all([client(0), client(4)]).then(() => undefined);
    profile = await mkdtemp(join(tmpdir(), "portico-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: browser,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
      viewport: { width: 1400, height: 1000 },
      // The admin token rides on every request of the page, the event stream included.
      extraHTTPHeaders: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
  });

  afterAll(async () => {
    traffic = false;
    await trafficDone;
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await bff?.stop();
    await shop?.stop();
  });

  it("turns a service's tile to open within 3 s of a fault, live, and draws the waterfall", async () => {
    // Some latency on inventory makes the waterfall worth reading.
    await injectFault(shop, "inventory", { mode: "delay", ms: 120 });
    await page.goto(`${bff.url}/admin`);
    await page.locator('#connection[data-connection="live"]').waitFor({ timeout: 5_000 });
    await page.locator('.tile[data-service="reviews"][data-state="closed"]').waitFor({ timeout: 5_000 });
    expect(await page.locator(".tile").count()).toBe(10);
    await page.locator('.wf-row[data-part="inventory"]').waitFor({ timeout: 5_000 });
    expect(await page.locator("#app").textContent()).toBe("mobile-bff");

    await injectFault(shop, "reviews", { mode: "error", status: 500 });
    const injected = performance.now();
    await page.locator('.tile[data-service="reviews"][data-state="open"]').waitFor({ timeout: 3_000 });
    const elapsed = performance.now() - injected;
    expect(elapsed).toBeLessThan(3_000);
    expect(await page.locator('.tile[data-service="reviews"] .badge').textContent()).toBe("open");
    // Every other tile stays closed; the app stays ready (reviews is optional).
    expect(await page.locator('.tile[data-state="open"]').count()).toBe(1);
    expect(await page.locator("#readiness").getAttribute("data-ready")).toBe("true");
    // The latest composite shows reviews served by its fallback.
    await page
      .locator('.wf-row[data-part="reviews"] .wf-bar[data-outcome="empty"]')
      .waitFor({ timeout: 3_000 });

    // Let the sparklines and the error rate fill in, then keep a picture of the outage.
    await sleep(4_000);
    expect(
      Number.parseFloat((await page.locator('.tile[data-service="reviews"] dd').nth(1).textContent()) ?? "0"),
    ).toBeGreaterThan(0);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-outage.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it("shows the app not ready while catalog's circuit is open", async () => {
    await injectFault(shop, "catalog", { mode: "error", status: 500 });
    await page.locator('.tile[data-service="catalog"][data-state="open"]').waitFor({ timeout: 5_000 });
    await page.locator('#readiness[data-ready="false"]').waitFor({ timeout: 3_000 });
    expect(await page.locator("#readiness").textContent()).toBe("not ready");
    await clearFaults(shop);
    expect(pageErrors).toEqual([]);
  });
});
