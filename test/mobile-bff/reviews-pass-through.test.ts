import { startFakeUpstream } from "@portico/test-support";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { expectProblem } from "../support/problem.js";
import { useStack } from "../support/stack.js";

// The reviews service is a fake we control; every other service is the demo shop.
const reviews = await startFakeUpstream();
afterAll(() => reviews.close());

const TIMEOUT_MS = 400;

const stack = useStack({
  app: "mobile-bff",
  bffEnv: {
    REVIEWS_URL: reviews.url,
    REVIEWS_TIMEOUT_MS: String(TIMEOUT_MS),
    BREAKER_MIN_REQUESTS: "4",
    BREAKER_OPEN_MS: "60000",
  },
});

beforeEach(() => {
  reviews.requests.length = 0;
});

const answer = { productId: "p1", average: 4.5, count: 2, items: [] };

describe("GET /reviews pass-through on mobile-bff", () => {
  it("relays the upstream answer with its status and content headers, dropping hop-by-hop and identifying ones", async () => {
    reviews.handle((_req, res) => {
      res.writeHead(200, {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "max-age=30",
        "set-cookie": "session=secret",
        server: "internal-reviews/1.2",
        "x-powered-by": "Express",
        "keep-alive": "timeout=99",
        connection: "keep-alive",
      });
      res.end(JSON.stringify(answer));
    });
    const response = await fetch(`${stack.bff.url}/reviews?productId=p1&limit=2&debug=1`, {
      headers: { "x-forwarded-for": "203.0.113.7" },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(answer);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("max-age=30");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("server")).toBeNull();
    expect(response.headers.get("x-powered-by")).toBeNull();
    // The BFF's own connection may carry its Keep-Alive; the upstream's must not pass.
    expect(response.headers.get("keep-alive")).not.toBe("timeout=99");
    expect(response.headers.get("server-timing")).toMatch(/^reviews;dur=/);

    expect(reviews.requests).toHaveLength(1);
    const seen = reviews.requests[0];
    expect(seen?.url).toBe("/reviews?productId=p1&limit=2");
    expect(seen?.headers["x-forwarded-for"]).toBe("203.0.113.7, 127.0.0.1");
    expect(seen?.headers["x-forwarded-proto"]).toBe("http");
    expect(seen?.headers["x-forwarded-host"]).toBe(new URL(stack.bff.url).host);
    expect(seen?.headers["x-request-id"]).toBe(response.headers.get("x-request-id"));
  });

  it("streams the body: the first bytes reach the client before the upstream has finished", async () => {
    let finish: () => void = () => {};
    reviews.handle((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"productId":"p1",');
      finish = () => res.end('"average":null,"count":0,"items":[]}');
    });
    const response = await fetch(`${stack.bff.url}/reviews?productId=p1`);
    const reader = response.body?.getReader();
    const first = await reader?.read();
    expect(Buffer.from(first?.value ?? []).toString()).toBe('{"productId":"p1",');
    finish();
    let rest = "";
    for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) {
      rest += Buffer.from(chunk.value).toString();
    }
    expect(rest).toBe('"average":null,"count":0,"items":[]}');
  });

  it("relays an upstream 4xx as it is", async () => {
    reviews.handle((_req, res) => {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not_found"}');
    });
    const response = await fetch(`${stack.bff.url}/reviews?productId=p999`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "not_found" });
  });

  it.each([
    ["a bad productId", "/reviews?productId=..%2Fadmin"],
    ["no productId", "/reviews?limit=3"],
    ["a repeated productId", "/reviews?productId=p1&productId=p2"],
    ["a limit that is not a number", "/reviews?productId=p1&limit=ten"],
    ["a limit out of range", "/reviews?productId=p1&limit=5000"],
  ])("answers 400 for %s and never calls the service", async (_label, path) => {
    await expectProblem(await fetch(`${stack.bff.url}${path}`), 400, "/reviews");
    expect(reviews.requests).toHaveLength(0);
  });

  it("turns an upstream 5xx into 502 problem+json", async () => {
    reviews.handle((_req, res) => {
      res.writeHead(500, { "content-type": "text/plain" }).end("stack trace at internal-host:7103");
    });
    const body = await expectProblem(await fetch(`${stack.bff.url}/reviews?productId=p1`), 502, "/reviews");
    expect(JSON.stringify(body)).not.toContain("internal-host");
  });

  it("turns a hanging upstream into 504 within its timeout", async () => {
    reviews.handle(() => {});
    const started = performance.now();
    await expectProblem(await fetch(`${stack.bff.url}/reviews?productId=p1`), 504, "/reviews");
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1_000);
  });

  it("answers 503 with Retry-After once the reviews breaker is open, without calling the service", async () => {
    reviews.handle((_req, res) => {
      res.writeHead(503).end();
    });
    let response = await fetch(`${stack.bff.url}/reviews?productId=p2`);
    for (let i = 0; i < 20 && response.status !== 503; i++) {
      await response.body?.cancel();
      response = await fetch(`${stack.bff.url}/reviews?productId=p2`);
    }
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await expectProblem(response, 503, "/reviews");
    const calls = reviews.requests.length;
    await expectProblem(await fetch(`${stack.bff.url}/reviews?productId=p2`), 503);
    expect(reviews.requests).toHaveLength(calls);
  });
});
