import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { Readable } from "node:stream";
import { eventually, rawRequest } from "@portico/test-support";
import type { Response as ExpressResponse, Request } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientClosedError, UnauthorizedError } from "../errors/index.js";
import { deferred } from "../test-support/async.js";
import { type EdgeTestServer, serveEdge } from "../test-support/edge-server.js";
import { type Answer, json, text } from "./answer.js";
import type { Exchange } from "./exchange.js";
import { contextOf } from "./express-context.js";
import { createGatewayApp } from "./gateway-app.js";
import type { LoadShedder } from "./load-shedding.js";
import { API_SECURITY_HEADERS } from "./response-hygiene.js";

// The edge's own behaviour (see edge.ts), served for real on loopback:
// route matching, HEAD and 405, the express fallback, step headers, header
// hygiene, streamed answers, the body limit, CORS, load shedding and aborts.

const SPA = "https://shop.example";

/** Every helmet header an API answer carries, with its value. */
function expectSecurityHeaders(headers: Headers, what: string): void {
  for (const [name, value] of API_SECURITY_HEADERS) expect(headers.get(name), `${what} ${name}`).toBe(value);
  expect(headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(headers.get("x-request-id"), what).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
}

async function expectProblem(
  response: Response,
  status: number,
  code: string,
): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expectSecurityHeaders(response.headers, `${status} ${code}`);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, requestId: response.headers.get("x-request-id") });
  return body;
}

/** A GET with node's client, for the head exactly as sent (`rawHeaders` keeps repeated headers apart). */
function rawHeadersOf(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; raw: string[]; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, raw: res.rawHeaders, headers: res.headers }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/** The values of every header named `name` (any case) in a raw header list. */
const valuesOf = (raw: readonly string[], name: string): string[] =>
  raw.flatMap((value, i) => (i % 2 === 1 && raw[i - 1]?.toLowerCase() === name ? [value] : []));

describe("the edge, without CORS", () => {
  let edge: EdgeTestServer;
  let load: LoadShedder;
  let uploadsRun = 0;
  let streamGate = deferred();
  const aborts: unknown[] = [];
  let abortableStarted = deferred();

  const echo = (exchange: Exchange): Answer =>
    json({
      method: exchange.method,
      route: exchange.route,
      path: exchange.path,
      params: exchange.params,
      query: exchange.query,
    });

  beforeAll(async () => {
    const gatewayApp = createGatewayApp({ requestDeadlineMs: 5_000, edge: { maxEventLoopLagMs: 0 } });
    const { app, routes, finish } = gatewayApp;
    load = gatewayApp.load;
    routes({
      "/things/:id": { get: echo, put: () => json({ put: true }) },
      "/orders/:orderId/lines/:lineId": { get: echo },
      "/Plain/Path": { get: echo },
      // Node refuses a header value with CR or LF in writeHead: a bug in a route, never a crash.
      "/bad-header": { get: () => json({ ok: true }, 200, ["Location", "/x\r\nSet-Cookie: a=b"]) },
      "/head": { get: () => text("hello head", "text/plain; charset=utf-8", 200, ["X-Route", "head"]) },
      "/guarded": {
        get: [
          (exchange) => {
            exchange.headers.push("X-Step", "seen");
            if (exchange.header("authorization") === undefined) {
              exchange.headers.push("WWW-Authenticate", 'Bearer realm="edge"');
              throw new UnauthorizedError("Sign-in required");
            }
            return undefined;
          },
          () => json({ ok: true }),
        ],
      },
      // Steps that answer later: an async guard, then a team's non-native thenable.
      "/later": {
        get: [
          async (exchange) => {
            await new Promise((resolve) => setImmediate(resolve));
            exchange.headers.push("X-Step", "later");
            if (exchange.header("authorization") === undefined)
              throw new UnauthorizedError("Sign-in required");
            return undefined;
          },
          () =>
            ({
              // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a native promise, on purpose
              then: (resolve: (answer: Answer) => void) => resolve(json({ thenable: true })),
            }) as unknown as Promise<Answer>,
        ],
      },
      // An answer built from an upstream's headers, the careless way.
      "/relay": {
        get: () => ({
          status: 200,
          headers: [
            "Content-Type",
            "application/json",
            "Set-Cookie",
            "session=upstream; HttpOnly",
            "Server",
            "nginx/1.25.0",
            "X-Internal-Node",
            "catalog-7f9c",
            "x-internal-trace",
            "abc",
            "X-Content-Type-Options",
            "upstream-said-so",
            "X-Kept",
            "yes",
          ],
          body: '{"relayed":true}',
        }),
      },
      "/stream": {
        get: () => ({
          status: 200,
          headers: ["Content-Type", "text/plain; charset=utf-8", "X-Streamed", "yes"],
          body: Readable.from(
            (async function* () {
              yield "first;";
              await streamGate.promise;
              yield "second;";
              yield "third";
            })(),
          ),
        }),
      },
      "/upload": {
        post: (exchange) => {
          uploadsRun++;
          return json({ bytes: exchange.body?.length ?? 0 });
        },
      },
      "/abortable": {
        get: async (exchange) => {
          const signal = exchange.ctx.signal;
          abortableStarted.resolve();
          await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
          aborts.push(signal.reason);
          return json({ never: "sent" });
        },
      },
    });
    // A team's own express route: the edge hands it what the table does not match.
    app.get("/team/:name", (req: Request, res: ExpressResponse) => {
      const ctx = contextOf(res);
      res.json({ name: req.params.name, requestId: ctx.requestId, aborted: ctx.signal.aborted });
    });
    edge = await serveEdge(finish());
  });

  afterAll(async () => {
    await edge.close();
  });

  describe("route matching", () => {
    it("decodes parameters, and hands the raw path and the route template to the steps", async () => {
      const response = await fetch(`${edge.url}/things/a%20b%2Fc%C3%A9`);
      expect(response.status).toBe(200);
      expectSecurityHeaders(response.headers, "GET /things/:id");
      expect(await response.json()).toMatchObject({
        method: "GET",
        route: "/things/:id",
        path: "/things/a%20b%2Fc%C3%A9",
        params: { id: "a b/cé" },
      });
      const lines = await fetch(`${edge.url}/orders/o%201/lines/L-2`);
      expect(await lines.json()).toMatchObject({
        route: "/orders/:orderId/lines/:lineId",
        params: { orderId: "o 1", lineId: "L-2" },
      });
    });

    it("parses the query like express's simple parser (repeated names are arrays)", async () => {
      const response = await fetch(`${edge.url}/things/x?a=1&a=2&b=&c=%20d`);
      expect(await response.json()).toMatchObject({ query: { a: ["1", "2"], b: "", c: " d" } });
    });

    it("matches case-insensitively, keeping a parameter's case", async () => {
      const response = await fetch(`${edge.url}/THINGS/MiXed`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ route: "/things/:id", params: { id: "MiXed" } });
      const literal = await fetch(`${edge.url}/plain/PATH`);
      expect(literal.status).toBe(200);
      expect(await literal.json()).toMatchObject({ route: "/Plain/Path" });
    });

    it("accepts one trailing slash", async () => {
      const response = await fetch(`${edge.url}/things/abc/`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ params: { id: "abc" } });
      expect((await fetch(`${edge.url}/Plain/Path/`)).status).toBe(200);
    });

    it("answers a parameter that is not valid percent-encoding with a 400 problem", async () => {
      const response = await fetch(`${edge.url}/things/%E0%A4%A`);
      const body = await expectProblem(response, 400, "INVALID_INPUT");
      expect(body.instance).toBe("/things/%E0%A4%A");
      expect(body.detail).toMatch(/percent-encoding/);
    });

    it("does not match a path with another number of segments", async () => {
      await expectProblem(await fetch(`${edge.url}/things/a/b`), 404, "ROUTE_NOT_FOUND");
    });
  });

  describe("methods", () => {
    it("answers HEAD on a GET route with the GET's headers and no body", async () => {
      const get = await fetch(`${edge.url}/head`);
      expect(await get.text()).toBe("hello head");
      const head = await fetch(`${edge.url}/head`, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-length")).toBe("10");
      expect(head.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(head.headers.get("x-route")).toBe("head");
      expectSecurityHeaders(head.headers, "HEAD /head");
      expect(await head.text()).toBe("");
      // On the wire: the head, then nothing (a body would be read as a second answer).
      const raw = await rawRequest(edge.port, "HEAD /head HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {
        untilClose: true,
      });
      expect(raw.status).toBe(200);
      expect(raw.body).toBe("");
    });

    it("answers 500 when a route's answer cannot be written, and keeps serving", async () => {
      const response = await fetch(`${edge.url}/bad-header`);
      await expectProblem(response, 500, "INTERNAL");
      expect(response.headers.get("set-cookie")).toBeNull();
      expect((await fetch(`${edge.url}/things/1`)).status).toBe(200);
    });

    it("routes an absolute-form target by its path alone, never by the host in it", async () => {
      const raw = await rawRequest(
        edge.port,
        "GET http://evil.example/things/a%20b?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        { untilClose: true },
      );
      expect(raw.status).toBe(200);
      expect(JSON.parse(raw.body)).toMatchObject({
        route: "/things/:id",
        path: "/things/a%20b",
        params: { id: "a b" },
      });
    });

    it("answers a method a path does not serve with 405 and Allow", async () => {
      const post = await fetch(`${edge.url}/things/x`, { method: "POST" });
      const body = await expectProblem(post, 405, "METHOD_NOT_ALLOWED");
      expect(body.instance).toBe("/things/x");
      const allow = (post.headers.get("allow") ?? "").split(", ").sort();
      expect(allow).toEqual(["GET", "HEAD", "PUT"]);
      const del = await fetch(`${edge.url}/head`, { method: "DELETE" });
      await expectProblem(del, 405, "METHOD_NOT_ALLOWED");
      expect(del.headers.get("allow")).toBe("GET, HEAD");
      expect((await fetch(`${edge.url}/things/x`, { method: "PUT" })).status).toBe(200);
    });
  });

  describe("the express fallback", () => {
    it("answers an unknown path with a 404 problem, the security headers and X-Request-Id", async () => {
      const response = await fetch(`${edge.url}/no/such/path`, {
        headers: { "x-request-id": "given-id.404" },
      });
      expect(response.headers.get("x-request-id")).toBe("given-id.404");
      const body = await expectProblem(response, 404, "ROUTE_NOT_FOUND");
      expect(body.instance).toBe("/no/such/path");
    });

    it("serves a team's express route with the edge's headers and its context (contextOf)", async () => {
      const response = await fetch(`${edge.url}/team/ada`, { headers: { "x-request-id": "team-req-1" } });
      expect(response.status).toBe(200);
      expectSecurityHeaders(response.headers, "GET /team/:name");
      expect(response.headers.get("x-request-id")).toBe("team-req-1");
      expect(await response.json()).toEqual({ name: "ada", requestId: "team-req-1", aborted: false });
    });
  });

  describe("steps", () => {
    it("sends a step's exchange.headers with the problem of an error thrown after them", async () => {
      const refused = await fetch(`${edge.url}/guarded`);
      const body = await expectProblem(refused, 401, "UNAUTHORIZED");
      expect(body.detail).toBe("Sign-in required");
      expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="edge"');
      expect(refused.headers.get("x-step")).toBe("seen");
    });

    it("sends them with the answer of a later step too", async () => {
      const ok = await fetch(`${edge.url}/guarded`, { headers: { authorization: "Bearer t" } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("x-step")).toBe("seen");
      expect(ok.headers.get("www-authenticate")).toBeNull();
      expect(await ok.json()).toEqual({ ok: true });
    });

    it("waits for a step that answers later, and for a thenable that is not a native promise", async () => {
      const refused = await fetch(`${edge.url}/later`);
      await expectProblem(refused, 401, "UNAUTHORIZED");
      expect(refused.headers.get("x-step")).toBe("later");
      const ok = await fetch(`${edge.url}/later`, { headers: { authorization: "Bearer t" } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("x-step")).toBe("later");
      expect(await ok.json()).toEqual({ thenable: true });
    });
  });

  describe("answers", () => {
    it("drops an answer's Set-Cookie, Server and X-Internal-* headers and keeps nosniff", async () => {
      const { status, raw } = await rawHeadersOf(`${edge.url}/relay`, {});
      expect(status).toBe(200);
      const names = raw.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
      for (const leak of ["set-cookie", "server", "x-internal-node", "x-internal-trace"]) {
        expect(names, leak).not.toContain(leak);
      }
      expect(valuesOf(raw, "x-content-type-options")).toEqual(["nosniff"]);
      expect(valuesOf(raw, "x-kept")).toEqual(["yes"]);
      const response = await fetch(`${edge.url}/relay`);
      expect(await response.json()).toEqual({ relayed: true });
    });

    it("streams a Readable body as it comes", async () => {
      streamGate = deferred();
      const response = await fetch(`${edge.url}/stream`);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-streamed")).toBe("yes");
      expect(response.headers.get("content-length")).toBeNull();
      expect(response.headers.get("transfer-encoding")).toBe("chunked");
      expectSecurityHeaders(response.headers, "GET /stream");
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      // The first chunk arrives while the stream is still held open: nothing is buffered.
      let received = "";
      while (received.length < "first;".length) {
        const { value, done } = await reader.read();
        if (done) break;
        received += decoder.decode(value, { stream: true });
      }
      expect(received).toBe("first;");
      streamGate.resolve();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        received += decoder.decode(value, { stream: true });
      }
      expect(received).toBe("first;second;third");
    });

    it("answers HEAD on a streamed route without a body", async () => {
      streamGate = deferred();
      streamGate.resolve();
      const head = await fetch(`${edge.url}/stream`, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers.get("x-streamed")).toBe("yes");
      expect(await head.text()).toBe("");
    });
  });

  describe("the body limit", () => {
    it("answers a body over 64 KiB on a route without a body step with 413 and Connection: close", async () => {
      const before = uploadsRun;
      const answer = await rawRequest(
        edge.port,
        `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${64 * 1024 + 1}\r\n\r\n${"x".repeat(1024)}`,
        { waitMs: 3_000, untilClose: true },
      );
      expect(answer.status).toBe(413);
      expect(answer.headers.connection).toBe("close");
      expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(answer.headers["x-content-type-options"]).toBe("nosniff");
      expect(answer.closed).toBe(true);
      expect(JSON.parse(answer.body)).toMatchObject({
        status: 413,
        code: "PAYLOAD_TOO_LARGE",
        instance: "/upload",
        requestId: answer.headers["x-request-id"],
      });
      expect(uploadsRun).toBe(before);
      // Exactly the limit is read and handed to the route.
      const ok = await fetch(`${edge.url}/upload`, { method: "POST", body: "y".repeat(64 * 1024) });
      expect(await ok.json()).toEqual({ bytes: 64 * 1024 });
      expect(uploadsRun).toBe(before + 1);
    });
  });

  describe("a client that goes away", () => {
    it("aborts exchange.ctx.signal with a ClientClosedError and gives back its in-flight slot", async () => {
      abortableStarted = deferred();
      const seen = aborts.length;
      const socket = connect(edge.port, "127.0.0.1");
      socket.on("error", () => {});
      let answered = false;
      socket.on("data", () => {
        answered = true;
      });
      socket.write("GET /abortable HTTP/1.1\r\nHost: x\r\n\r\n");
      await abortableStarted.promise;
      expect(load.inflight).toBe(1);
      expect(aborts.length).toBe(seen);
      socket.destroy();
      await eventually(() => aborts.length === seen + 1, 2_000);
      expect(aborts[seen]).toBeInstanceOf(ClientClosedError);
      await eventually(() => load.inflight === 0, 2_000);
      expect(answered).toBe(false);
    });
  });
});

describe("the edge, with CORS", () => {
  let edge: EdgeTestServer;

  beforeAll(async () => {
    const { routes, finish } = createGatewayApp({ requestDeadlineMs: 2_000, edge: { corsOrigins: [SPA] } });
    routes({
      "/varied": { get: () => json({ ok: true }, 200, ["Vary", "Accept-Encoding"]) },
      "/plain": { get: () => json({ ok: true }) },
    });
    edge = await serveEdge(finish());
  });

  afterAll(async () => {
    await edge.close();
  });

  it("merges a route's Vary with Origin into one header", async () => {
    const { status, raw } = await rawHeadersOf(`${edge.url}/varied`, { origin: SPA });
    expect(status).toBe(200);
    expect(valuesOf(raw, "vary")).toEqual(["Accept-Encoding, Origin"]);
    expect(valuesOf(raw, "access-control-allow-origin")).toEqual([SPA]);
    const plain = await rawHeadersOf(`${edge.url}/plain`, { origin: "https://evil.example" });
    expect(valuesOf(plain.raw, "vary")).toEqual(["Origin"]);
    expect(valuesOf(plain.raw, "access-control-allow-origin")).toEqual([]);
  });

  it("carries CORS and Vary: Origin on the express fallback's 404", async () => {
    const response = await fetch(`${edge.url}/nowhere`, { headers: { origin: SPA } });
    await expectProblem(response, 404, "ROUTE_NOT_FOUND");
    expect(response.headers.get("access-control-allow-origin")).toBe(SPA);
    expect(response.headers.get("vary")).toBe("Origin");
  });

  it("answers a preflight from an allowed origin with 204, once per CORS header", async () => {
    const response = await fetch(`${edge.url}/plain`, {
      method: "OPTIONS",
      headers: { origin: SPA, "access-control-request-method": "GET" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(SPA);
    expect(response.headers.get("access-control-allow-methods")).toBe("GET, HEAD, PUT, POST, DELETE");
    expect(response.headers.get("access-control-max-age")).toBe("600");
    expect(response.headers.get("vary")).toContain("Origin");
    expect(response.headers.get("vary")).toContain("Access-Control-Request-Method");
    expectSecurityHeaders(response.headers, "preflight");
    expect(await response.text()).toBe("");
  });
});

describe("the edge's load shedding", () => {
  let edge: EdgeTestServer;
  let load: LoadShedder;
  let gate = deferred();

  beforeAll(async () => {
    const gatewayApp = createGatewayApp({
      requestDeadlineMs: 10_000,
      edge: { maxInflight: 1, maxEventLoopLagMs: 0 },
    });
    load = gatewayApp.load;
    gatewayApp.routes({
      "/slow": {
        get: async () => {
          await gate.promise;
          return json({ ok: true });
        },
      },
    });
    edge = await serveEdge(gatewayApp.finish());
  });

  afterAll(async () => {
    gate.resolve();
    await edge.close();
  });

  it("answers 503 with Retry-After while maxInflight requests run, and counts the slot back to 0", async () => {
    gate = deferred();
    const held = fetch(`${edge.url}/slow`);
    await eventually(() => load.inflight === 1, 2_000);
    const shed = await fetch(`${edge.url}/slow`);
    await expectProblem(shed, 503, "OVERLOADED");
    expect(shed.headers.get("retry-after")).toBe("1");
    expect(load.shed).toBe(1);
    // The health route is never shed.
    expect((await fetch(`${edge.url}/healthz`)).status).toBe(200);
    expect(load.inflight).toBe(1);

    gate.resolve();
    expect((await held).status).toBe(200);
    await eventually(() => load.inflight === 0, 2_000);
    expect((await fetch(`${edge.url}/slow`)).status).toBe(200);
    await eventually(() => load.inflight === 0, 2_000);
  });
});
