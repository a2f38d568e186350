import http from "node:http";
import net from "node:net";
import { createGateway, type Gateway, loadGatewayConfig } from "@portico/core";
import { type LoopbackServer, listenOnLoopback, rawRequest } from "@portico/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../app.js";

// No broker (no AMQP_URL): a /live upgrade that passes the edge's checks is
// answered 503 "live updates are off"; one the edge refuses never gets that far.
let server: LoopbackServer | undefined;
let gateway: Gateway | undefined;

afterEach(async () => {
  await server?.close();
  await gateway?.close();
  server = undefined;
  gateway = undefined;
});

async function serve(env: Record<string, string> = {}): Promise<LoopbackServer> {
  gateway = createGateway(
    loadGatewayConfig({ CATALOG_URL: "http://127.0.0.1:9", ...env }, { defaultPort: 0 }),
  );
  const bff = createApp(gateway);
  const httpServer = http.createServer(bff.app);
  bff.attach?.(httpServer);
  server = await listenOnLoopback(httpServer);
  return server;
}

const upgradeRequest = (
  port: number,
  headers: string[] = [],
  requestLine = "GET /live?productId=p1 HTTP/1.1",
) =>
  [
    requestLine,
    `Host: 127.0.0.1:${port}`,
    "Connection: Upgrade",
    "Upgrade: websocket",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    ...headers,
    "",
    "",
  ].join("\r\n");

describe("web-bff /live upgrades go through the edge's checks", () => {
  it("refuses a page of a foreign origin with 403 problem+json", async () => {
    const { port } = await serve();
    const answer = await rawRequest(port, upgradeRequest(port, ["Origin: https://evil.example"]));
    expect(answer.status).toBe(403);
    expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 403, instance: "/live" });
  });

  it("lets the BFF's own origin, a CORS_ORIGINS origin and a client without Origin through", async () => {
    const { port } = await serve({ CORS_ORIGINS: "https://shop.example" });
    for (const origin of [[`Origin: http://127.0.0.1:${port}`], ["Origin: https://shop.example"], []]) {
      const answer = await rawRequest(port, upgradeRequest(port, origin));
      // Past the edge: here, with no broker, live updates are off.
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toMatchObject({ title: "Live updates are off" });
    }
  });

  it("sheds the handshake with 503 and Retry-After when MAX_INFLIGHT is reached", async () => {
    const { port } = await serve({ MAX_INFLIGHT: "1" });
    // One request in progress: its body never finishes arriving.
    const holder = net.connect(port, "127.0.0.1");
    holder.write(
      `GET /api/product-page/p1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 10\r\n\r\n`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const answer = await rawRequest(port, upgradeRequest(port));
    holder.destroy();
    expect(answer.status).toBe(503);
    expect(answer.headers["retry-after"]).toBe("1");
    expect(JSON.parse(answer.body)).toMatchObject({ title: "Service unavailable" });
  });

  it("refuses a handshake of another method with 405 and Allow: GET, HEAD, echoing X-Request-Id", async () => {
    const { port } = await serve();
    const answer = await rawRequest(
      port,
      upgradeRequest(port, ["X-Request-Id: live-post-1"], "POST /live?productId=p1 HTTP/1.1"),
    );
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe("GET, HEAD");
    expect(answer.headers["x-request-id"]).toBe("live-post-1");
    expect(JSON.parse(answer.body)).toMatchObject({
      status: 405,
      instance: "/live",
      requestId: "live-post-1",
    });
  });
});

describe("web-bff /live over plain HTTP", () => {
  it("answers GET /live, and an upgrade to another protocol, with the endpoint's 503 problem", async () => {
    const { port, url } = await serve();
    const plain = await fetch(`${url}/live?productId=p1`);
    expect(plain.status).toBe(503);
    expect(plain.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await plain.json()).toMatchObject({ title: "Live updates are off", instance: "/live" });
    const h2c = await rawRequest(
      port,
      [
        "GET /live?productId=p1 HTTP/1.1",
        `Host: 127.0.0.1:${port}`,
        "Connection: Upgrade, HTTP2-Settings",
        "Upgrade: h2c",
        "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA",
        "",
        "",
      ].join("\r\n"),
    );
    expect(h2c.status).toBe(503);
    expect(JSON.parse(h2c.body)).toMatchObject({ title: "Live updates are off", instance: "/live" });
  });

  it("answers another method on /live with 405", async () => {
    const { url } = await serve();
    const response = await fetch(`${url}/live?productId=p1`, { method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toContain("GET");
  });

  it("answers GET /admin/live with the relay's stats: disabled without a broker", async () => {
    const { url } = await serve();
    const response = await fetch(`${url}/admin/live`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ enabled: false });
  });

  it("keeps /admin/live behind ADMIN_TOKEN", async () => {
    const { url } = await serve({ ADMIN_TOKEN: "a-long-enough-admin-token-for-tests" });
    const refused = await fetch(`${url}/admin/live`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const allowed = await fetch(`${url}/admin/live`, {
      headers: { authorization: "Bearer a-long-enough-admin-token-for-tests" },
    });
    expect(allowed.status).toBe(200);
  });
});
