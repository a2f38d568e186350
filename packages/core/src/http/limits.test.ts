import { rawRequest } from "@portico/test-support";
import type { Response as ExpressResponse, Request } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EdgeTestServer, serveEdge } from "../test-support/edge-server.js";
import { json } from "./answer.js";
import type { Exchange } from "./exchange.js";
import { createGatewayApp } from "./gateway-app.js";
import { EDGE_LIMITS } from "./limits.js";

let edge: EdgeTestServer;
const bodies: number[] = [];

beforeAll(async () => {
  const { app, routes, finish } = createGatewayApp({ requestDeadlineMs: 2_000 });
  const echo = (exchange: Exchange) => {
    const body = exchange.body;
    if (body !== undefined) bodies.push(body.length);
    return json({ bodyBytes: body?.length ?? null, query: Object.keys(exchange.query).length });
  };
  routes({ "/things/:id": { get: echo, post: echo }, "/things": { get: echo } });
  // A team's own express route, mounted without the route table.
  app.post("/team", (req: Request, res: ExpressResponse) => {
    const body = req.body as Buffer | undefined;
    if (body !== undefined) bodies.push(body.length);
    res.json({ bodyBytes: body?.length ?? null, query: Object.keys(req.query).length });
  });
  edge = await serveEdge(finish());
});

afterAll(async () => {
  await edge.close();
});

async function expectProblem(response: Response, status: number) {
  expect(response.status).toBe(status);
  const headers = response.headers;
  expect(headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(headers.get("x-content-type-options")).toBe("nosniff");
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, requestId: headers.get("x-request-id") });
  return body;
}

describe("requestLimits: URL length", () => {
  it("accepts a request target of exactly 4096 bytes and refuses one byte more with 414", async () => {
    const path = (length: number) => `/things/${"x".repeat(length - "/things/".length)}`;
    expect((await fetch(`${edge.url}${path(EDGE_LIMITS.maxUrlBytes)}`)).status).toBe(200);
    const body = await expectProblem(await fetch(`${edge.url}${path(EDGE_LIMITS.maxUrlBytes + 1)}`), 414);
    expect(body.code).toBe("URI_TOO_LONG");
  });

  it("counts the query string in the URL", async () => {
    const response = await fetch(`${edge.url}/things?q=${"y".repeat(EDGE_LIMITS.maxUrlBytes)}`);
    await expectProblem(response, 414);
  });
});

describe("requestLimits: query parameters", () => {
  const query = (n: number) => Array.from({ length: n }, (_, i) => `p${i}=1`).join("&");

  it(`accepts ${EDGE_LIMITS.maxQueryParams} parameters and refuses more with 400`, async () => {
    const ok = await fetch(`${edge.url}/things?${query(EDGE_LIMITS.maxQueryParams)}`);
    expect(await ok.json()).toMatchObject({ query: EDGE_LIMITS.maxQueryParams });
    const body = await expectProblem(
      await fetch(`${edge.url}/things?${query(EDGE_LIMITS.maxQueryParams + 1)}`),
      400,
    );
    expect(body.detail).toContain(String(EDGE_LIMITS.maxQueryParams));
  });

  it("does not count empty pieces, and counts repeated names", async () => {
    expect((await fetch(`${edge.url}/things?&&&a=1&&b=2&`)).status).toBe(200);
    const repeated = Array.from({ length: EDGE_LIMITS.maxQueryParams + 1 }, () => "a=1").join("&");
    await expectProblem(await fetch(`${edge.url}/things?${repeated}`), 400);
  });
});

describe("requestLimits: bodies", () => {
  it("reads a body under the limit and hands it to the route as a Buffer", async () => {
    const response = await fetch(`${edge.url}/things/1`, { method: "POST", body: "z".repeat(1000) });
    expect(await response.json()).toMatchObject({ bodyBytes: 1000 });
  });

  it("refuses a declared Content-Length over 64 KiB at once, without reading it, and closes", async () => {
    const answer = await rawRequest(
      edge.port,
      `POST /things/1 HTTP/1.1\r\nHost: x\r\nContent-Length: ${EDGE_LIMITS.maxBodyBytes + 1}\r\n\r\n`,
      { waitMs: 3_000, untilClose: true },
    );
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe("close");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
    expect(answer.closed).toBe(true);
    expect(answer.ms).toBeLessThan(1_500);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 413, code: "PAYLOAD_TOO_LARGE" });
  });

  it("refuses a chunked body once it grows past 64 KiB, on any route, even a GET", async () => {
    const chunk = "a".repeat(16 * 1024);
    const chunked = Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join("");
    const answer = await rawRequest(
      edge.port,
      `GET /things/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}0\r\n\r\n`,
      { waitMs: 3_000, untilClose: true },
    );
    expect(answer.status).toBe(413);
    expect(answer.closed).toBe(true);
    expect(bodies.every((size) => size <= EDGE_LIMITS.maxBodyBytes)).toBe(true);
  });

  it("answers 413 on a team's own express route that reads an oversized body", async () => {
    const answer = await rawRequest(
      edge.port,
      `POST /team HTTP/1.1\r\nHost: x\r\nContent-Length: ${EDGE_LIMITS.maxBodyBytes + 1}\r\n\r\n`,
      { waitMs: 3_000, untilClose: true },
    );
    expect(answer.status).toBe(413);
    expect(answer.closed).toBe(true);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 413, code: "PAYLOAD_TOO_LARGE" });
  });

  it("accepts a body of exactly 64 KiB", async () => {
    const response = await fetch(`${edge.url}/things/1`, {
      method: "POST",
      body: "a".repeat(EDGE_LIMITS.maxBodyBytes),
    });
    expect(await response.json()).toMatchObject({ bodyBytes: EDGE_LIMITS.maxBodyBytes });
  });

  it("survives a client that goes away mid-body", async () => {
    const answer = await rawRequest(
      edge.port,
      "POST /things/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly a little",
      { waitMs: 200 },
    );
    expect(answer.status).toBe(0);
    expect((await fetch(`${edge.url}/things/2`)).status).toBe(200);
  });
});
