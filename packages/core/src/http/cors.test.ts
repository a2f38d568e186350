import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors/index.js";
import { type EdgeTestServer, serveEdge } from "../test-support/edge-server.js";
import { json } from "./answer.js";
import { isAllowedOrigin, normalizeOrigin } from "./cors.js";
import { createGatewayApp } from "./gateway-app.js";

const SPA = "https://shop.example";

async function serve(corsOrigins?: readonly string[]): Promise<EdgeTestServer> {
  const { routes, finish } = createGatewayApp({
    requestDeadlineMs: 2_000,
    ...(corsOrigins ? { edge: { corsOrigins } } : {}),
  });
  routes({
    "/api/things": { get: () => json({ ok: true }) },
    "/api/bad": {
      get: () => {
        throw new InvalidInputError("nope");
      },
    },
  });
  return serveEdge(finish());
}

let withCors: EdgeTestServer;
let withoutCors: EdgeTestServer;

beforeAll(async () => {
  [withCors, withoutCors] = await Promise.all([serve([SPA, "http://localhost:5173"]), serve()]);
});

afterAll(async () => {
  await Promise.all([withCors.close(), withoutCors.close()]);
});

const get = (edge: EdgeTestServer, path: string, headers: Record<string, string> = {}) =>
  fetch(`${edge.url}${path}`, { headers });

describe("cors", () => {
  it("echoes an allowed origin, never *, never credentials, and lets scripts read the request id", async () => {
    const response = await get(withCors, "/api/things", { origin: SPA });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(SPA);
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(response.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
    expect(response.headers.get("vary")).toContain("Origin");
  });

  it("gives an origin not in the list no Access-Control-Allow-Origin, but still Vary: Origin", async () => {
    for (const origin of [
      "https://evil.example",
      "https://shop.example.evil.example",
      "https://SHOP.example",
      "http://shop.example",
      "https://shop.example:8443",
      "null",
      "*",
    ]) {
      const response = await get(withCors, "/api/things", { origin });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(response.headers.get("vary")).toContain("Origin");
    }
  });

  it("carries the CORS headers on error answers too, so the SPA can read the problem", async () => {
    const response = await get(withCors, "/api/bad", { origin: SPA });
    expect(response.status).toBe(400);
    expect(response.headers.get("access-control-allow-origin")).toBe(SPA);
  });

  it("carries them on answers the edge refuses before any route, like a 414", async () => {
    const response = await get(withCors, `/api/things?q=${"x".repeat(5_000)}`, { origin: SPA });
    expect(response.status).toBe(414);
    expect(response.headers.get("access-control-allow-origin")).toBe(SPA);
  });

  it("answers an allowed preflight with 204 and the methods and headers a client may use", async () => {
    const response = await fetch(`${withCors.url}/api/things`, {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:5173",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    expect(response.headers.get("access-control-allow-methods")).toBe("GET, HEAD, PUT, POST, DELETE");
    expect(response.headers.get("access-control-allow-headers")).toContain("Idempotency-Key");
    expect(response.headers.get("access-control-allow-headers")).toContain("Authorization");
    expect(response.headers.get("access-control-max-age")).toBe("600");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("lets a preflight from another origin go on to the routes: 405 with Allow, no CORS", async () => {
    const response = await fetch(`${withCors.url}/api/things`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("sends no CORS header at all when no origin is configured", async () => {
    const response = await get(withoutCors, "/api/things", { origin: SPA });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("vary")).toBeNull();
    const preflight = await fetch(`${withoutCors.url}/api/things`, {
      method: "OPTIONS",
      headers: { origin: SPA, "access-control-request-method": "GET" },
    });
    expect(preflight.status).toBe(405);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("normalizeOrigin and isAllowedOrigin", () => {
  it("normalizes configured origins as browsers send them", () => {
    expect(normalizeOrigin("HTTPS://Shop.Example:443/")).toBe("https://shop.example");
    expect(normalizeOrigin("http://localhost:5173")).toBe("http://localhost:5173");
    expect(normalizeOrigin("ftp://x")).toBeUndefined();
    expect(normalizeOrigin("not an origin")).toBeUndefined();
  });

  it("matches exactly, and never a missing or null origin", () => {
    const allowed = new Set([SPA]);
    expect(isAllowedOrigin(allowed, SPA)).toBe(true);
    expect(isAllowedOrigin(allowed, `${SPA}/`)).toBe(false);
    expect(isAllowedOrigin(allowed, undefined)).toBe(false);
    expect(isAllowedOrigin(allowed, "null")).toBe(false);
  });
});
