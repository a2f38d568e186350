import { type RawAnswer, rawRequest } from "@portico/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EDGE_LIMITS } from "../http/limits.js";
import { type EdgeTestServer, serveEdge } from "../test-support/edge-server.js";
import { edgeServerOptions } from "./edge-server.js";

let edge: EdgeTestServer;
const seen: string[] = [];

beforeAll(async () => {
  edge = await serveEdge(
    (req, res) => {
      seen.push(req.url ?? "");
      res.end("ok");
    },
    { headersTimeoutMs: 400 },
  );
});

afterAll(async () => {
  await edge.close();
});

const send = (payload: string, waitMs = 3_000) =>
  rawRequest(edge.port, payload, { waitMs, untilClose: true });

function expectRefusal(answer: RawAnswer, status: number): Record<string, unknown> {
  expect(answer.status).toBe(status);
  expect(answer.headers["content-type"]).toBe("application/problem+json");
  expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  expect(answer.headers["x-powered-by"]).toBeUndefined();
  expect(answer.headers.connection).toBe("close");
  expect(answer.closed).toBe(true);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  expect(body.requestId).toBe(answer.headers["x-request-id"]);
  return body;
}

describe("edgeServerOptions", () => {
  it("limits headers to 16 KiB and derives the request timeout and check interval from the headers timeout", () => {
    expect(edgeServerOptions()).toEqual({
      maxHeaderSize: 16_384,
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      connectionsCheckingInterval: 1_000,
    });
    expect(edgeServerOptions({ headersTimeoutMs: 400 })).toMatchObject({
      headersTimeout: 400,
      requestTimeout: 1_200,
      connectionsCheckingInterval: 100,
    });
  });
});

describe("answerClientError", () => {
  it("answers headers over 16 KiB with a 431 problem, naming the path but nothing of the headers", async () => {
    const big = "a".repeat(EDGE_LIMITS.maxHeaderBytes + 100);
    const answer = await send(`GET /things/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`);
    const body = expectRefusal(answer, 431);
    expect(body.instance).toBe("/things/1");
    expect(answer.body).not.toContain("aaaa");
  });

  it("answers a request line too long for the header limit with 414, not 431, and never echoes it", async () => {
    const answer = await send(`GET /${"b".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const body = expectRefusal(answer, 414);
    expect(body.instance).toBe("/");
    expect(answer.body).not.toContain("bbbb");
  });

  it.each([
    ["CR inside a header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n"],
    ["LF inside a header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\nSet-Cookie: x=1\r\n\r\n"],
    ["NUL in the path", "GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["a space in the path", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["a bad Content-Length", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n"],
    [
      "both Content-Length and chunked",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ],
    ["garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"],
    ["a header without a name", "GET / HTTP/1.1\r\nHost: x\r\n: nameless\r\n\r\n"],
  ])("answers %s with a 400 problem and closes the connection", async (_name, payload) => {
    const body = expectRefusal(await send(payload), 400);
    expect(body.instance).not.toContain("\0");
  });

  it("closes a connection whose headers do not complete in time (slowloris), without an answer", async () => {
    const answer = await rawRequest(edge.port, "GET / HTTP/1.1\r\nHost: x\r\n", {
      waitMs: 5_000,
      trickle: Array.from({ length: 40 }, () => [100, "X-Slow: 1\r\n"] as const),
    });
    expect(answer.closed).toBe(true);
    expect(answer.status).toBe(0);
    expect(answer.ms).toBeGreaterThanOrEqual(300);
    expect(answer.ms).toBeLessThan(2_500);
  });

  it("closes a connection that never sends a byte", async () => {
    const answer = await rawRequest(edge.port, "", { waitMs: 5_000 });
    expect(answer.closed).toBe(true);
    expect(answer.ms).toBeLessThan(2_500);
  });

  it("answers a target in which no path can be found with a 400 problem, not express's HTML 404", async () => {
    for (const target of ["//!@#", "//a@#frag", "//user:pw@#"]) {
      const answer = await rawRequest(edge.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(answer.status, target).toBe(400);
      expect(answer.headers["content-type"]).toBe("application/problem+json");
      expect(answer.headers["x-content-type-options"]).toBe("nosniff");
      expect(JSON.parse(answer.body)).toMatchObject({
        status: 400,
        instance: "/",
        requestId: answer.headers["x-request-id"],
      });
    }
    expect(seen.filter((url) => url.startsWith("//"))).toEqual([]);
  });

  it("keeps serving well-formed requests after all that", async () => {
    const answer = await rawRequest(edge.port, "GET /fine HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(answer.status).toBe(200);
    expect(answer.body).toBe("ok");
    expect(seen).toContain("/fine");
    expect(seen.some((url) => url.includes("\0") || url.length > 4096)).toBe(false);
  });
});
