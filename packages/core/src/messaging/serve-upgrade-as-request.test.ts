import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { serveUpgradeAsRequest } from "./serve-upgrade-as-request.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function start(): Promise<number> {
  const app = (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ url: req.url, method: req.method }));
  };
  server = createServer(app);
  server.on("upgrade", (req, socket, head) => serveUpgradeAsRequest(app, req, socket, head, "rid-9"));
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function send(port: number, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; body: string; connection: unknown }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/x?a=1", method: body ? "POST" : "GET", headers });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }),
      );
    });
    req.on("upgrade", () => reject(new Error("upgraded")));
    req.on("error", reject);
    req.end(body);
  });
}

describe("serveUpgradeAsRequest", () => {
  it("answers an upgrade it does not take as the plain request, then closes", async () => {
    const port = await start();
    const answer = await send(port, {
      connection: "Upgrade, HTTP2-Settings",
      upgrade: "h2c",
      "http2-settings": "AAMAAABkAAQCAAAAAAIAAAAA",
    });
    expect(answer).toEqual({ status: 200, body: '{"url":"/x?a=1","method":"GET"}', connection: "close" });
  });

  it("refuses one with a body, which can no longer be read", async () => {
    const port = await start();
    const answer = await send(
      port,
      { connection: "Upgrade", upgrade: "h2c", "content-type": "text/plain" },
      "hello",
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({
      code: "INVALID_INPUT",
      requestId: "rid-9",
      instance: "/x",
    });
  });
});
