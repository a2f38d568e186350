import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { problemOf } from "../http/problem.js";
import { LiveUpdatesOffError } from "./messaging-errors.js";
import { refuseUpgrade } from "./refuse-upgrade.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe("refuseUpgrade", () => {
  it("answers an upgrade with a problem+json response and closes", async () => {
    server = createServer();
    server.on("upgrade", (req, socket) => {
      refuseUpgrade(socket, problemOf(new LiveUpdatesOffError(), req.url ?? "", "rid-1"), {
        headers: { "Retry-After": "5", "X-Evil": "a\r\nb" },
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const answer = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
      (resolve, reject) => {
        const req = request({
          host: "127.0.0.1",
          port,
          path: "/live?productId=p1",
          headers: { connection: "Upgrade", upgrade: "websocket" },
        });
        req.on("response", (res) => {
          let body = "";
          res.on("data", (chunk) => {
            body += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on("upgrade", () => reject(new Error("upgraded")));
        req.on("error", reject);
        req.end();
      },
    );
    expect(answer.status).toBe(503);
    expect(answer.headers["content-type"]).toBe("application/problem+json");
    expect(answer.headers["retry-after"]).toBe("5");
    expect(answer.headers["x-evil"]).toBeUndefined();
    expect(answer.headers["x-request-id"]).toBe("rid-1");
    expect(JSON.parse(answer.body)).toMatchObject({
      status: 503,
      code: "LIVE_UPDATES_OFF",
      instance: "/live?productId=p1",
      requestId: "rid-1",
    });
  });
});
