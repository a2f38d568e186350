import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { UnauthorizedError } from "../errors/index.js";
import { type EdgeTestServer, serveEdge } from "../test-support/edge-server.js";
import { json } from "./answer.js";
import type { Exchange } from "./exchange.js";
import { createGatewayApp } from "./gateway-app.js";
import { jsonBody } from "./json-body.js";

let edge: EdgeTestServer;
const body = jsonBody(z.object({ quantity: z.number().int().min(0).max(99) }).strict());
const optional = jsonBody(z.object({ mode: z.enum(["a", "b"]).default("a") }).strict(), { optional: true });

// Stands for authentication: a request without `x-user` is a 401.
function signedIn(exchange: Exchange): undefined {
  if (exchange.header("x-user") === undefined) throw new UnauthorizedError();
  return undefined;
}

beforeAll(async () => {
  const { routes, finish } = createGatewayApp({ requestDeadlineMs: 2_000 });
  routes({
    "/lines": {
      put: [signedIn, body, (exchange) => json({ got: body.of(exchange), raw: body.rawOf(exchange) })],
    },
    "/orders": { post: [signedIn, optional, (exchange) => json({ got: optional.of(exchange) })] },
  });
  edge = await serveEdge(finish());
});

afterAll(async () => {
  await edge.close();
});

const send = (path: string, init: { body?: string; type?: string; user?: boolean; method?: string }) =>
  fetch(`${edge.url}${path}`, {
    method: init.method ?? "PUT",
    headers: {
      ...(init.type === undefined ? {} : { "content-type": init.type }),
      ...(init.user === false ? {} : { "x-user": "u1" }),
    },
    ...(init.body === undefined ? {} : { body: init.body }),
  });

async function detailOf(response: Response, status: number): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  return ((await response.json()) as { detail: string }).detail;
}

describe("jsonBody", () => {
  it("hands the validated body and the JSON as sent to the handler", async () => {
    const response = await send("/lines", {
      body: '{"quantity":3}',
      type: "application/json; charset=utf-8",
    });
    expect(await response.json()).toEqual({ got: { quantity: 3 }, raw: { quantity: 3 } });
  });

  it("refuses another media type with 415", async () => {
    await detailOf(await send("/lines", { body: '{"quantity":3}', type: "text/plain" }), 415);
    await detailOf(await send("/lines", { body: '{"quantity":3}' }), 415);
  });

  it.each([
    ['{"quantity":100}', "quantity"],
    ['{"quantity":"x"}', "quantity"],
    ['{"quantity":1.5}', "quantity"],
    ["{}", "quantity"],
    ['{"quantity":1,"extra":true}', "extra"],
  ])("answers %s with 400 naming %s", async (text, field) => {
    const detail = await detailOf(await send("/lines", { body: text, type: "application/json" }), 400);
    expect(detail).toContain(`"${field}"`);
  });

  it("answers malformed JSON and a missing body with 400", async () => {
    await detailOf(await send("/lines", { body: "{quantity", type: "application/json" }), 400);
    await detailOf(await send("/lines", { type: "application/json" }), 400);
  });

  it("checks 401, then 415, then 413, then 400", async () => {
    const big = `{"quantity":1,"pad":"${"x".repeat(70_000)}"}`;
    await detailOf(await send("/lines", { body: big, type: "text/plain", user: false }), 401);
    await detailOf(await send("/lines", { body: big, type: "text/plain" }), 415);
    const tooLarge = await send("/lines", { body: big, type: "application/json" });
    await detailOf(tooLarge, 413);
    expect(tooLarge.headers.get("connection")).toBe("close");
  });

  it("takes no body as {} when optional, with the schema's defaults", async () => {
    const response = await send("/orders", { method: "POST" });
    expect(await response.json()).toEqual({ got: { mode: "a" } });
    await detailOf(
      await send("/orders", { method: "POST", body: '{"mode":"c"}', type: "application/json" }),
      400,
    );
  });
});
