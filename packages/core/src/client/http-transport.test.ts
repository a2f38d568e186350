import {
  closedPortUrl,
  type FakeUpstream,
  sendJson,
  startFakeUpstream,
  type UpstreamHandler,
} from "@portico/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { ClientClosedError, UpstreamBadResponseError, UpstreamConnectionError } from "../errors/index.js";
import { isRetryable } from "../resilience/failures.js";
import { settle } from "../test-support/async.js";
import { HttpTransport } from "./http-transport.js";
import type { TransportRequest } from "./transport.js";

let servers: FakeUpstream[] = [];
let transports: HttpTransport[] = [];

async function upstream(handler: UpstreamHandler): Promise<FakeUpstream> {
  const server = await startFakeUpstream(handler);
  servers.push(server);
  return server;
}

function transport(options?: ConstructorParameters<typeof HttpTransport>[0]): HttpTransport {
  const created = new HttpTransport(options);
  transports.push(created);
  return created;
}

function request(baseUrl: string, overrides: Partial<TransportRequest> = {}): TransportRequest {
  return {
    service: "catalog",
    baseUrl,
    path: "/products/p1",
    headers: { accept: "application/json" },
    signal: new AbortController().signal,
    ...overrides,
  };
}

afterEach(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(servers.map((s) => s.close()));
  transports = [];
  servers = [];
});

describe("HttpTransport", () => {
  it("GETs the path and query with the given headers and parses a 2xx JSON body", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, { id: "p1" }));
    const response = await transport().get(
      request(server.url, { query: { ids: "a,b", limit: 2 }, headers: { "x-request-id": "req-1" } }),
    );
    expect(response).toEqual({ status: 200, body: { id: "p1" } });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: "GET", url: "/products/p1?ids=a%2Cb&limit=2" });
    expect(server.requests[0]?.headers["x-request-id"]).toBe("req-1");
  });

  it("returns the status of a non-2xx answer without a body", async () => {
    const server = await upstream((_req, res) => sendJson(res, 503, { error: "busy" }));
    await expect(transport().get(request(server.url))).resolves.toEqual({ status: 503, body: undefined });
  });

  it("does not follow redirects", async () => {
    const target = await upstream((_req, res) => sendJson(res, 200, { hijacked: true }));
    const server = await upstream((_req, res) => {
      res.writeHead(302, { location: `${target.url}/elsewhere` });
      res.end();
    });
    await expect(transport().get(request(server.url))).resolves.toEqual({ status: 302, body: undefined });
    expect(target.requests).toHaveLength(0);
  });

  it("fails with UpstreamBadResponseError on malformed JSON or an empty body", async () => {
    const server = await upstream((req, res) => sendJson(res, 200, req.url === "/empty" ? "" : "{not json"));
    const client = transport();
    await expect(client.get(request(server.url))).rejects.toBeInstanceOf(UpstreamBadResponseError);
    await expect(client.get(request(server.url, { path: "/empty" }))).rejects.toMatchObject({
      code: "UPSTREAM_BAD_RESPONSE",
      service: "catalog",
    });
  });

  it("fails with UpstreamBadResponseError when the body is larger than allowed", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, { blob: "x".repeat(10_000) }));
    await expect(transport({ maxBodyBytes: 1_000 }).get(request(server.url))).rejects.toBeInstanceOf(
      UpstreamBadResponseError,
    );
  });

  it("fails a refused connection with UpstreamConnectionError before any response, which may be retried", async () => {
    const outcome = await settle(transport().get(request(await closedPortUrl())));
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect(error).toMatchObject({ beforeResponse: true, service: "catalog" });
    expect((error as Error).message).not.toContain("127.0.0.1");
    expect(isRetryable(error)).toBe(true);
  });

  it("treats a connection reset before any answer as safe to retry", async () => {
    const server = await upstream((req) => {
      req.socket.destroy();
    });
    const outcome = await settle(transport().get(request(server.url)));
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(UpstreamConnectionError);
    expect(isRetryable(error)).toBe(true);
  });

  it("treats a connection reset mid-body as a failure that must not be retried", async () => {
    const server = await upstream((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"id":"p1","name":"');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const outcome = await settle(transport().get(request(server.url)));
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: unknown }).error;
    expect(error).toMatchObject({ service: "catalog" });
    expect(["UPSTREAM_CONNECTION", "UPSTREAM_BAD_RESPONSE"]).toContain((error as { code: string }).code);
    expect(isRetryable(error)).toBe(false);
  });

  it("closes the upstream socket when the signal is aborted, failing with ClientClosedError", async () => {
    const server = await upstream(() => {
      // Never answers.
    });
    const controller = new AbortController();
    const pending = settle(transport().get(request(server.url, { signal: controller.signal })));
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const outcome = await pending;
    expect((outcome as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
    await server.requests[0]?.closedEarly;
  });

  it("does not even connect when the signal is already aborted", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, {}));
    const controller = new AbortController();
    controller.abort();
    await expect(transport().get(request(server.url, { signal: controller.signal }))).rejects.toBeInstanceOf(
      ClientClosedError,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("reuses connections between calls (keep-alive)", async () => {
    const ports = new Set<number | undefined>();
    const server = await upstream((req, res) => {
      ports.add(req.socket.remotePort);
      sendJson(res, 200, { ok: true });
    });
    const client = transport();
    for (let i = 0; i < 3; i++) await client.get(request(server.url));
    expect(ports.size).toBe(1);
  });
});
