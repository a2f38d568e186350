import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { shutdownGracefully, trackRequests } from "./shutdown.js";

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A GET on its own connection; resolves with the status and body, or rejects with the socket error. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("shutdownGracefully", () => {
  it("stops accepting, lets the request in progress finish, then closes resources", async () => {
    const events: string[] = [];
    let release = () => {};
    const { server, url } = await listen((_req, res) => {
      release = () => res.end("slow answer");
    });
    const requests = trackRequests(server);
    const slow = get(url);
    await vi.waitFor(() => expect(requests.inFlight).toBe(1), { timeout: 5_000 });
    const done = shutdownGracefully({
      server,
      requests,
      graceMs: 10_000,
      beginShutdown: () => events.push("begin"),
      closeResources: async () => {
        events.push("close");
      },
    });
    await vi.waitFor(() => expect(get(url)).rejects.toMatchObject({ code: "ECONNREFUSED" }), {
      timeout: 2_000,
    });
    // Still waiting for the request in progress.
    await sleep(100);
    expect(events).toEqual(["begin"]);
    release();
    expect(await slow).toEqual({ status: 200, body: "slow answer" });
    const started = performance.now();
    await done;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(events).toEqual(["begin", "close"]);
  });

  it("cuts requests short once the grace period is over", async () => {
    const { server, url } = await listen(() => {
      // Never answers.
    });
    const requests = trackRequests(server);
    const hanging = get(url).catch((error: unknown) => error);
    await vi.waitFor(() => expect(requests.inFlight).toBe(1), { timeout: 5_000 });
    const started = performance.now();
    await shutdownGracefully({
      server,
      requests,
      graceMs: 300,
      beginShutdown: () => {},
      closeResources: async () => {},
    });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
    expect(await hanging).toMatchObject({ code: "ECONNRESET" });
  });

  it("does not wait forever for resources that will not close", async () => {
    const { server } = await listen((_req, res) => res.end());
    const requests = trackRequests(server);
    const started = performance.now();
    await shutdownGracefully({
      server,
      requests,
      graceMs: 1000,
      beginShutdown: () => {},
      closeResources: () => new Promise(() => {}),
      closeTimeoutMs: 200,
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
