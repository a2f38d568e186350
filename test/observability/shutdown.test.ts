import { once } from "node:events";
import { request } from "node:http";
import { BROKER_URL, deleteBrokerNames, requireBroker, uniqueBrokerNames } from "@portico/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLive } from "../messaging/live-support.js";
import {
  type DemoShop,
  injectFault,
  type RunningBff,
  serviceStats,
  startBff,
  startDemoShop,
} from "../support/processes.js";

let shop: DemoShop;

beforeAll(async () => {
  shop = await startDemoShop();
});

afterAll(async () => {
  await shop?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A GET on a connection of its own: its status, or the socket error's code. */
function get(url: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? String(error) }));
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? String(error) }));
    req.end();
  });
}

describe("graceful shutdown on SIGTERM", () => {
  let bff: RunningBff;

  beforeAll(async () => {
    bff = await startBff("mobile-bff", {
      ...shop.env,
      LOG_LEVEL: "info",
      CATALOG_TIMEOUT_MS: "6000",
      REQUEST_DEADLINE_MS: "8000",
    });
  });

  afterAll(async () => {
    await bff?.stop("SIGKILL");
  });

  it("finishes the request in progress, refuses new connections, then exits 0", async () => {
    await injectFault(shop, "catalog", { mode: "delay", ms: 1_500 });
    const before = await serviceStats(shop, "catalog");
    const slow = get(`${bff.url}/productdetails/p1`);
    await expect
      .poll(async () => (await serviceStats(shop, "catalog")).inFlight, { timeout: 2_000 })
      .toBe(before.inFlight + 1);

    const exited = once(bff.child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    const signalled = performance.now();
    bff.child.kill("SIGTERM");

    // New connections are refused soon after the signal...
    let refused: unknown;
    for (let i = 0; i < 40 && refused === undefined; i++) {
      await sleep(25);
      const attempt = await get(`${bff.url}/healthz`);
      // A connection accepted in the instant before the listener closed is reset,
      // not refused: that attempt decides nothing, so probe again.
      if ("error" in attempt && attempt.error !== "ECONNRESET") refused = attempt.error;
    }
    expect(refused).toBe("ECONNREFUSED");

    // ...while the request in progress completes with its full answer.
    const answer = await slow;
    expect(answer).toMatchObject({ status: 200 });
    expect(JSON.parse((answer as { body: string }).body)).toMatchObject({
      product: { id: "p1" },
      degraded: {},
    });

    const [code, signal] = await exited;
    expect(signal).toBeNull();
    expect(code).toBe(0);
    // It did not wait for the whole grace period once nothing was in progress.
    expect(performance.now() - signalled).toBeLessThan(5_000);

    const lines = bff
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg?: string; status?: number });
    const messages = lines.map((line) => line.msg);
    expect(messages).toContain("shutting down");
    expect(messages).toContain("stopped");
    // The request's line first, "stopped" last: the log is written out before the exit.
    expect(messages.indexOf("stopped"), messages.join(" | ")).toBeGreaterThan(
      messages.lastIndexOf("request"),
    );
    expect(messages.at(-1)).toBe("stopped");
  });
});

describe("graceful shutdown with long-lived connections and a broker", () => {
  const names = uniqueBrokerNames();

  beforeAll(async () => {
    await requireBroker();
  });

  afterAll(async () => {
    await deleteBrokerNames({ exchanges: [names.exchange], queues: [names.queue] });
  });

  it("ends WebSockets and dashboard streams, closes the broker connection and exits 0 promptly", async () => {
    const bff = await startBff("web-bff", {
      ...shop.env,
      AMQP_URL: BROKER_URL,
      ...names.env,
      LOG_LEVEL: "info",
    });
    try {
      const live = await openLive(bff.url, "p1");
      const liveClosed = once(live.ws, "close");
      const events = await fetch(`${bff.url}/admin/events`);
      const reader = (events.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      const streamEnded = (async () => {
        for (;;) if ((await reader.read()).done) return true;
      })();

      const exited = once(bff.child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
      const signalled = performance.now();
      bff.child.kill("SIGTERM");
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(performance.now() - signalled).toBeLessThan(5_000);
      await liveClosed;
      expect(await streamEnded).toBe(true);
      expect(bff.output()).toContain('"msg":"stopped"');
    } finally {
      await bff.stop("SIGKILL");
    }
  });
});
