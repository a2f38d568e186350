import type http from "node:http";
import {
  closedPortUrl,
  type FakeUpstream,
  sendJson,
  startFakeUpstream,
  type UpstreamHandler,
} from "@portico/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClientClosedError, UpstreamBadResponseError, UpstreamConnectionError } from "../errors/index.js";
import { isRetryable, isRetryableWrite } from "../resilience/failures.js";
import { settle } from "../test-support/async.js";
import { HttpTransport, PorticoCall, undiciAgent, undiciUtil } from "./http-transport.js";
import type { TransportRequest, WriteRequest } from "./transport.js";

let servers: FakeUpstream[] = [];
let transports: HttpTransport[] = [];

async function upstream(handler: UpstreamHandler): Promise<FakeUpstream> {
  const server = await startFakeUpstream(handler);
  servers.push(server);
  return server;
}

/**
 * The way calls go: straight to undici while axios has nothing to do, or
 * through axios's pipeline once a team registered an interceptor. Every
 * behaviour below holds either way (`describe.each`).
 */
let throughAxios = false;

function transport(options?: ConstructorParameters<typeof HttpTransport>[0]): HttpTransport {
  const created = new HttpTransport(options);
  if (throughAxios) created.axios.interceptors.request.use((config) => config);
  transports.push(created);
  return created;
}

const WAYS = [
  ["without interceptors", false],
  ["through axios (an interceptor registered)", true],
] as const;

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

function write(baseUrl: string, overrides: Partial<WriteRequest> = {}): WriteRequest {
  return {
    ...request(baseUrl),
    path: "/carts/c1/items/p1",
    method: "PUT",
    body: { quantity: 2 },
    ...overrides,
  };
}

/** The request body as text, read by a fake upstream. */
async function bodyOf(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

afterEach(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(servers.map((s) => s.close()));
  transports = [];
  servers = [];
});

describe.each(WAYS)("HttpTransport, %s", (_way, viaAxios) => {
  beforeEach(() => {
    throughAxios = viaAxios;
  });

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

describe.each(WAYS)("HttpTransport streams, %s", (_way, viaAxios) => {
  beforeEach(() => {
    throughAxios = viaAxios;
  });

  it("hands a body that came with its headers over whole, and as a stream to a caller that asks", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, { id: "p1" }));
    const answer = await transport().stream(request(server.url));
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toContain("application/json");
    expect(answer.whole?.toString("utf8")).toBe('{"id":"p1"}');
    expect(await bodyOf(answer.body as unknown as http.IncomingMessage)).toBe('{"id":"p1"}');
  });

  it("streams a body still coming: the first part is readable before the upstream sends the rest", async () => {
    let sendRest: (() => void) | undefined;
    const server = await upstream((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id":"p1",');
      sendRest = () => res.end('"name":"x"}');
    });
    const answer = await transport().stream(request(server.url));
    expect(answer.whole).toBeUndefined();
    const chunks = answer.body[Symbol.asyncIterator]();
    const first = await chunks.next();
    expect(String(first.value)).toBe('{"id":"p1",');
    sendRest?.();
    let rest = "";
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next())
      rest += String(next.value);
    expect(rest).toBe('"name":"x"}');
  });

  it("breaks the stream with an error when the connection resets mid-body", async () => {
    const server = await upstream((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"id":"p1","name":"');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const answer = await transport().stream(request(server.url));
    expect(answer.whole).toBeUndefined();
    const outcome = await settle(bodyOf(answer.body as unknown as http.IncomingMessage));
    expect(outcome.ok).toBe(false);
  });
});

describe.each(WAYS)("HttpTransport writes, %s", (_way, viaAxios) => {
  beforeEach(() => {
    throughAxios = viaAxios;
  });

  it("sends PUT, POST and DELETE with their method, a JSON body and its content type, and parses a 2xx answer", async () => {
    const bodies: string[] = [];
    const server = await upstream(async (req, res) => {
      bodies.push(await bodyOf(req));
      sendJson(res, req.method === "POST" ? 201 : 200, { method: req.method });
    });
    const client = transport();
    const headers = { "x-request-id": "req-7", "idempotency-key": "key-00001" };
    await expect(client.send(write(server.url, { headers }))).resolves.toEqual({
      status: 200,
      body: { method: "PUT" },
    });
    await expect(
      client.send(
        write(server.url, { method: "POST", path: "/orders", body: { customerId: "c1" }, headers }),
      ),
    ).resolves.toEqual({ status: 201, body: { method: "POST" } });
    await expect(client.send(write(server.url, { method: "DELETE", body: undefined }))).resolves.toEqual({
      status: 200,
      body: { method: "DELETE" },
    });
    expect(server.requests.map((r) => [r.method, r.url])).toEqual([
      ["PUT", "/carts/c1/items/p1"],
      ["POST", "/orders"],
      ["DELETE", "/carts/c1/items/p1"],
    ]);
    expect(bodies).toEqual(['{"quantity":2}', '{"customerId":"c1"}', ""]);
    const [put, post, del] = server.requests.map((r) => r.headers);
    expect(put?.["content-type"]).toBe("application/json");
    expect(put?.["content-length"]).toBe(String('{"quantity":2}'.length));
    expect(post).toMatchObject({
      "content-type": "application/json",
      "x-request-id": "req-7",
      "idempotency-key": "key-00001",
    });
    expect(del?.["content-type"]).toBeUndefined();
  });

  it("sends no content type of its own for a write without a body", async () => {
    const server = await upstream((_req, res) => sendJson(res, 200, {}));
    await transport().send(write(server.url, { method: "POST", body: undefined }));
    expect(server.requests[0]?.headers["content-type"]).toBeUndefined();
  });

  it("parses a 4xx answer's JSON body, the service's reason", async () => {
    const server = await upstream((_req, res) =>
      sendJson(res, 409, { error: "out_of_stock", productId: "p1" }),
    );
    await expect(transport().send(write(server.url))).resolves.toEqual({
      status: 409,
      body: { error: "out_of_stock", productId: "p1" },
    });
  });

  it("answers a 4xx without a readable reason with no body, and a 5xx with none", async () => {
    const server = await upstream((req, res) => {
      if (req.url === "/empty") res.writeHead(422).end();
      else if (req.url === "/text") sendJson(res, 400, "<html>bad</html>");
      else sendJson(res, 503, { error: "busy" });
    });
    const client = transport();
    await expect(client.send(write(server.url, { path: "/empty" }))).resolves.toEqual({
      status: 422,
      body: undefined,
    });
    await expect(client.send(write(server.url, { path: "/text" }))).resolves.toEqual({
      status: 400,
      body: undefined,
    });
    await expect(client.send(write(server.url))).resolves.toEqual({ status: 503, body: undefined });
  });

  it("fails a 2xx answer that is not JSON with UpstreamBadResponseError; an empty one is no body", async () => {
    const server = await upstream((req, res) => {
      if (req.url === "/empty") res.writeHead(204).end();
      else sendJson(res, 200, "{not json");
    });
    const client = transport();
    await expect(client.send(write(server.url))).rejects.toBeInstanceOf(UpstreamBadResponseError);
    await expect(client.send(write(server.url, { path: "/empty" }))).resolves.toEqual({
      status: 204,
      body: undefined,
    });
  });

  it("tells a refused connection, where nothing was sent, from a reset after the request was sent", async () => {
    const refused = (await settle(transport().send(write(await closedPortUrl())))) as { error: unknown };
    expect(refused.error).toBeInstanceOf(UpstreamConnectionError);
    expect(refused.error).toMatchObject({ beforeResponse: true, notSent: true, service: "catalog" });
    expect(isRetryableWrite(refused.error)).toBe(true);

    const server = await upstream(async (req) => {
      await bodyOf(req);
      req.socket.destroy();
    });
    const reset = (await settle(transport().send(write(server.url)))) as { error: unknown };
    expect(server.requests).toHaveLength(1);
    expect(reset.error).toBeInstanceOf(UpstreamConnectionError);
    expect(reset.error).toMatchObject({ beforeResponse: true, notSent: false });
    expect(isRetryableWrite(reset.error)).toBe(false);
  });

  it("marks a refused GET as not sent too", async () => {
    const outcome = (await settle(transport().get(request(await closedPortUrl())))) as { error: unknown };
    expect(outcome.error).toMatchObject({ notSent: true });
  });

  it("closes the socket of an aborted write, failing with ClientClosedError", async () => {
    const server = await upstream(() => {});
    const controller = new AbortController();
    const pending = settle(transport().send(write(server.url, { signal: controller.signal })));
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect(((await pending) as { error: unknown }).error).toBeInstanceOf(ClientClosedError);
    await server.requests[0]?.closedEarly;
  });
});

describe("HttpTransport's axios instance", () => {
  beforeEach(() => {
    throughAxios = false;
  });

  it("runs a team's axios interceptors: their headers are sent, Portico's own win, no form content type", async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const server = await upstream((req, res) => {
      seen.push(req.headers);
      sendJson(res, 200, { id: "p1" });
    });
    const client = transport();
    client.axios.interceptors.request.use((config) => {
      config.headers.set("X-Team", "mobile");
      config.headers.set("X-Request-Id", "from-the-interceptor");
      if (config.portico !== undefined) {
        const { headers, cancellation } = config.portico;
        config.portico = new PorticoCall({ ...headers, "x-portico-seen": "yes" }, cancellation);
      }
      return config;
    });
    await client.get(request(server.url, { headers: { accept: "application/json", "x-request-id": "r-1" } }));
    await client.send(write(server.url, { headers: { "x-request-id": "r-2" } }));
    expect(seen[0]?.["x-team"]).toBe("mobile");
    expect(seen[0]?.["x-request-id"]).toBe("r-1");
    expect(seen[0]?.["x-portico-seen"]).toBe("yes");
    expect(seen[1]?.["x-request-id"]).toBe("r-2");
    expect(seen[1]?.["content-type"]).toBe("application/json");
  });

  it("applies an interceptor added after calls were made, to GETs, writes and streams, until cleared", async () => {
    const seen: (string | undefined)[] = [];
    const server = await upstream((req, res) => {
      seen.push(req.headers["x-tenant"] as string | undefined);
      sendJson(res, 200, { id: "p1" });
    });
    const client = transport();
    await client.get(request(server.url));
    const answers: number[] = [];
    client.axios.interceptors.request.use((config) => {
      config.headers.set("X-Tenant", "acme");
      return config;
    });
    client.axios.interceptors.response.use((response) => {
      answers.push(response.status);
      return response;
    });
    await client.get(request(server.url));
    await client.send(write(server.url));
    const streamed = await client.stream(request(server.url));
    expect(await bodyOf(streamed.body as unknown as http.IncomingMessage)).toBe('{"id":"p1"}');
    client.axios.interceptors.request.clear();
    client.axios.interceptors.response.clear();
    await client.get(request(server.url));
    expect(seen).toEqual([undefined, "acme", "acme", "acme", undefined]);
    expect(answers).toEqual([200, 200, 200]);
  });

  it("keeps going through axios after an interceptor is ejected, and sends a default header a team sets", async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const server = await upstream((req, res) => {
      seen.push(req.headers);
      sendJson(res, 200, { id: "p1" });
    });
    const client = transport();
    const id = client.axios.interceptors.request.use((config) => config);
    client.axios.interceptors.request.eject(id);
    client.axios.defaults.headers = { common: { "X-Team": "web" } } as never;
    await client.get(request(server.url));
    await client
      .stream(request(server.url))
      .then((answer) => bodyOf(answer.body as unknown as http.IncomingMessage));
    expect(seen.map((headers) => headers["x-team"])).toEqual(["web", "web"]);
  });

  it("sends through undici's own Agent, loaded without the rest of the package", async () => {
    const undici = await import("undici");
    expect(undiciAgent()).toBe(undici.Agent);
    expect(undiciUtil().headerNameToString).toBe(undici.util.headerNameToString);
  });
});
