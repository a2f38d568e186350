import type { Request, Response } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EdgeTestServer, serveEdge } from "../test-support/edge-server.js";
import { json, text } from "./answer.js";
import { createGatewayApp } from "./gateway-app.js";
import { API_SECURITY_HEADERS, isStrippedHeader } from "./response-hygiene.js";

let edge: EdgeTestServer;

beforeAll(async () => {
  const { app, routes, finish } = createGatewayApp({ requestDeadlineMs: 2_000 });
  routes({
    // A route that copies an upstream's headers into its answer, the way a careless pass-through would.
    "/relay/answer": {
      get: () =>
        json({ ok: true }, 200, [
          "Set-Cookie",
          ["session=upstream; HttpOnly"],
          "Server",
          "nginx/1.25.0",
          "X-Powered-By",
          "PHP/8.3",
          "X-Internal-Node",
          "catalog-7f9c",
          "X-Upstream-Url",
          "http://10.0.0.7:7101/products/p1",
          "x-envoy-upstream-service-time",
          "4",
          "X-Kept",
          "yes",
          "X-Content-Type-Options",
          "upstream-said-so",
        ]),
    },
    "/admin": { get: () => text("<!doctype html><p>ok</p>", "text/html; charset=utf-8") },
  });
  // A team's own express routes, which write the response themselves, every way there is.
  app.get("/relay/set", (_req: Request, res: Response) => {
    res.setHeader("Set-Cookie", ["session=upstream; HttpOnly"]);
    res.setHeader("Server", "nginx/1.25.0");
    res.setHeader("X-Powered-By", "PHP/8.3");
    res.setHeader("X-Internal-Node", "catalog-7f9c");
    res.setHeader("X-Upstream-Url", "http://10.0.0.7:7101/products/p1");
    res.setHeader("X-Kept", "yes");
    res.setHeader("X-Content-Type-Options", "upstream-said-so");
    res.json({ ok: true });
  });
  app.get("/relay/object", (_req: Request, res: Response) => {
    res.writeHead(200, {
      "content-type": "application/json",
      "set-cookie": "a=1",
      server: "Apache",
      "x-envoy-upstream-service-time": "4",
      "X-Content-Type-Options": "none",
      "x-kept": "yes",
    });
    res.end("{}");
  });
  app.get("/relay/flat", (_req: Request, res: Response) => {
    res.writeHead(200, ["Content-Type", "application/json", "Set-Cookie", "b=2", "X-Kept", "yes"]);
    res.end("{}");
  });
  edge = await serveEdge(finish());
});

afterAll(async () => {
  await edge.close();
});

const LEAKS = [
  "set-cookie",
  "server",
  "x-powered-by",
  "x-internal-node",
  "x-upstream-url",
  "x-envoy-upstream-service-time",
];

describe("responseHygiene", () => {
  it("puts helmet's API headers on every answer: nosniff, a CSP that loads nothing, no framing", async () => {
    for (const [path, status] of [
      ["/relay/answer", 200],
      ["/relay/set", 200],
      ["/nowhere", 404],
      ["/healthz", 200],
    ] as const) {
      const response = await fetch(`${edge.url}${path}`);
      expect(response.status).toBe(status);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
      expect(response.headers.get("x-powered-by")).toBeNull();
    }
    const names = API_SECURITY_HEADERS.map(([name]) => name.toLowerCase());
    expect(names).toContain("x-content-type-options");
    expect(names).not.toContain("x-dns-prefetch-control");
  });

  it("never lets Set-Cookie, Server, X-Powered-By or internal headers out, however they were set", async () => {
    for (const path of ["/relay/answer", "/relay/set", "/relay/object", "/relay/flat"]) {
      const response = await fetch(`${edge.url}${path}`);
      expect(response.status).toBe(200);
      for (const name of LEAKS) expect(response.headers.get(name), `${path} ${name}`).toBeNull();
      expect(response.headers.get("x-kept")).toBe("yes");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("content-type")).toContain("application/json");
    }
  });

  it("gives the gateway's own HTML pages a CSP that allows same-origin scripts and styles", async () => {
    const response = await fetch(`${edge.url}/admin`);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("knows which header names to strip", () => {
    expect(isStrippedHeader("SET-COOKIE")).toBe(true);
    expect(isStrippedHeader("X-Internal-Anything")).toBe(true);
    expect(isStrippedHeader("X-Request-Id")).toBe(false);
    expect(isStrippedHeader("Server-Timing")).toBe(false);
  });
});
