import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadGatewayConfig } from "../config/gateway-config.js";
import { createGateway, type Gateway } from "../gateway.js";
import { json } from "../http/answer.js";
import type { EdgeOptions } from "../http/edge.js";
import { createGatewayApp } from "../http/gateway-app.js";
import { passThrough } from "../http/pass-through.js";
import { GatewayObservability } from "../observability/gateway-observability.js";
import { serveEdge } from "../test-support/edge-server.js";

// Contract section 6: a method a path does not serve is 405 with `Allow`,
// the ops routes included. Every ops route serves GET and HEAD only.

const OPS_PATHS = [
  "/healthz",
  "/readyz",
  "/metrics",
  "/admin",
  "/admin/status",
  "/admin/events",
  "/admin/dashboard.js",
  "/admin/dashboard.css",
] as const;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  readonly url: string;
  readonly gateway: Gateway | undefined;
}

/**
 * A gateway app as `runBff` serves it (through the edge), with one
 * pass-through route, and `/slow` as a client route the load shedder
 * counts. No upstream is ever called.
 */
async function start({
  env = {},
  edge = {},
  withGateway = true,
}: {
  env?: Record<string, string>;
  edge?: EdgeOptions;
  withGateway?: boolean;
} = {}): Promise<Harness> {
  const config = loadGatewayConfig(env, { defaultPort: 0 });
  const gateway = withGateway
    ? createGateway(config, { observability: new GatewayObservability({ processMetrics: false }) })
    : undefined;
  const { routes, finish } = createGatewayApp({ requestDeadlineMs: 2_000, edge, gateway });
  routes({
    "/slow": { get: () => json({ ok: true }) },
    ...(gateway === undefined
      ? {}
      : {
          "/reviews": {
            get: passThrough({ client: gateway.clients.reviews, path: "/reviews", query: z.object({}) }),
          },
        }),
  });
  const server = await serveEdge(finish());
  cleanups.push(async () => {
    await server.close();
    await gateway?.close();
  });
  return { url: server.url, gateway };
}

async function expectMethodNotAllowed(url: string, path: string, method: string, headers = {}) {
  const response = await fetch(`${url}${path}`, { method, headers });
  const what = `${method} ${path}`;
  expect(response.status, what).toBe(405);
  expect(response.headers.get("allow"), what).toBe("GET, HEAD");
  expect(response.headers.get("content-type"), what).toContain("application/problem+json");
  expect(response.headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(await response.json(), what).toMatchObject({
    status: 405,
    code: "METHOD_NOT_ALLOWED",
    instance: path,
  });
}

describe("the ops routes and methods they do not serve", () => {
  it("answer POST /healthz, PUT /metrics, DELETE /readyz and POST /admin/status with 405 and Allow: GET, HEAD", async () => {
    const { url } = await start();
    await expectMethodNotAllowed(url, "/healthz", "POST");
    await expectMethodNotAllowed(url, "/metrics", "PUT");
    await expectMethodNotAllowed(url, "/readyz", "DELETE");
    await expectMethodNotAllowed(url, "/admin/status", "POST");
  });

  it("answer every other method on every ops route with 405 and Allow: GET, HEAD", async () => {
    const { url } = await start();
    for (const path of OPS_PATHS) {
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        await expectMethodNotAllowed(url, path, method);
      }
    }
  });

  it("really serve HEAD on every ops route, with the GET's status and no body", async () => {
    const { url } = await start();
    for (const path of OPS_PATHS) {
      const response = await fetch(`${url}${path}`, { method: "HEAD" });
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toBe("");
    }
  });

  it("answer 405 on /healthz also in an app without a gateway (only /healthz)", async () => {
    const { url } = await start({ withGateway: false });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/healthz`, { method: "HEAD" })).status).toBe(200);
    await expectMethodNotAllowed(url, "/healthz", "POST");
  });

  it("keep answering /healthz, and its 405, while every client request is shed", async () => {
    const { url } = await start({ edge: { maxInflight: 0, maxEventLoopLagMs: 0 } });
    expect((await fetch(`${url}/slow`)).status).toBe(503);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    await expectMethodNotAllowed(url, "/healthz", "POST");
    await expectMethodNotAllowed(url, "/metrics", "PUT");
  });

  it("with ADMIN_TOKEN: the guard answers first (401 without the token), 405 with it; probes stay open", async () => {
    const { url } = await start({ env: { ADMIN_TOKEN: "s3cret-admin" } });
    const refused = await fetch(`${url}/admin/status`, { method: "POST" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain("Bearer");
    expect(refused.headers.get("allow")).toBeNull();
    expect(await refused.json()).toMatchObject({ status: 401, instance: "/admin/status" });
    for (const path of OPS_PATHS.filter((p) => p.startsWith("/admin"))) {
      await expectMethodNotAllowed(url, path, "POST", { authorization: "Bearer s3cret-admin" });
    }
    await expectMethodNotAllowed(url, "/healthz", "POST");
    await expectMethodNotAllowed(url, "/readyz", "DELETE");
  });
});
