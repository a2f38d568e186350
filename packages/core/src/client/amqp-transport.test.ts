import { describe, expect, it } from "vitest";
import { isGatewayError } from "../errors/index.js";
import { BrokerError } from "../messaging/messaging-errors.js";
import type { BrokerReply, BrokerRequest } from "../messaging/request-reply-client.js";
import { failure } from "../test-support/async.js";
import { AmqpTransport, type BrokerRequester, queueBalancer } from "./amqp-transport.js";
import type { TransportRequest } from "./transport.js";

/** A requester that records requests and answers with what the test scripts. */
function fakeRequester(answer: (request: BrokerRequest) => Promise<BrokerReply>) {
  const seen: BrokerRequest[] = [];
  const requester: BrokerRequester & { seen: BrokerRequest[] } = {
    seen,
    request(request) {
      seen.push(request);
      return answer(request);
    },
    close: async () => {},
  };
  return requester;
}

const reply = (body: string, headers: Record<string, unknown> = {}): Promise<BrokerReply> =>
  Promise.resolve({ content: Buffer.from(body), headers });

const request = (overrides: Partial<TransportRequest> = {}): TransportRequest => ({
  service: "shipping",
  baseUrl: "amqp:shipping.quotes",
  path: "/quotes",
  query: { productId: "p1" },
  headers: { accept: "application/json", "x-request-id": "r-1", traceparent: "00-abc-def-01" },
  signal: new AbortController().signal,
  ...overrides,
});

describe("AmqpTransport", () => {
  it("sends the query as the JSON body to the path's queue, with request id and trace context", async () => {
    const client = fakeRequester(() => reply('{"options":[]}'));
    const transport = new AmqpTransport({ client, routes: { "/quotes": "q.quotes" }, messageTtlMs: 800 });
    const response = await transport.get(request());
    expect(response).toEqual({ status: 200, body: { options: [] } });
    const sent = client.seen[0] as BrokerRequest;
    expect(sent.queue).toBe("q.quotes");
    expect(JSON.parse(sent.content.toString())).toEqual({ productId: "p1" });
    expect(sent.headers).toEqual({ "x-request-id": "r-1", traceparent: "00-abc-def-01" });
    expect(sent.ttlMs).toBe(800);
  });

  it("plays the reply's status header as the HTTP status; no body for non-2xx", async () => {
    const transport = new AmqpTransport({
      client: fakeRequester(() => reply('{"error":"not_found"}', { status: 404 })),
      routes: { "/quotes": "q" },
    });
    expect(await transport.get(request())).toEqual({ status: 404, body: undefined });
    const numeric = new AmqpTransport({
      client: fakeRequester(() => reply("{}", { status: "503" })),
      routes: { "/quotes": "q" },
    });
    expect(await numeric.get(request())).toEqual({ status: 503, body: undefined });
  });

  it("calls bad JSON or a nonsense status a bad response", async () => {
    const malformed = new AmqpTransport({
      client: fakeRequester(() => reply("{nope")),
      routes: { "/quotes": "q" },
    });
    const error = await failure(malformed.get(request()));
    expect(isGatewayError(error) && error.code).toBe("UPSTREAM_BAD_RESPONSE");
    const weird = new AmqpTransport({
      client: fakeRequester(() => reply("{}", { status: "teapot" })),
      routes: { "/quotes": "q" },
    });
    expect(await failure(weird.get(request()))).toMatchObject({ code: "UPSTREAM_BAD_RESPONSE" });
  });

  it("turns a broker failure into a retryable connection error of the service", async () => {
    const transport = new AmqpTransport({
      client: fakeRequester(() => Promise.reject(new BrokerError("unavailable"))),
      routes: { "/quotes": "q" },
    });
    const error = await failure(transport.get(request()));
    expect(error).toMatchObject({ code: "UPSTREAM_CONNECTION", service: "shipping", beforeResponse: true });
  });

  it("is a client-closed error when the caller's signal aborted", async () => {
    const controller = new AbortController();
    const transport = new AmqpTransport({
      client: fakeRequester(
        (r) =>
          new Promise((_, reject) => {
            r.signal.addEventListener("abort", () => reject(r.signal.reason));
          }),
      ),
      routes: { "/quotes": "q" },
    });
    const pending = failure(transport.get(request({ signal: controller.signal })));
    controller.abort(new Error("timeout"));
    expect(await pending).toMatchObject({ code: "CLIENT_CLOSED" });
  });

  it("refuses a path no queue serves, without sending anything", async () => {
    const client = fakeRequester(() => reply("{}"));
    const transport = new AmqpTransport({ client, routes: { "/quotes": "q" } });
    expect(await failure(transport.get(request({ path: "/other" })))).toMatchObject({ code: "INTERNAL" });
    expect(client.seen).toHaveLength(0);
  });

  it("takes no writes: a clear gateway error, nothing sent", async () => {
    const client = fakeRequester(() => reply("{}"));
    const transport = new AmqpTransport({ client, routes: { "/quotes": "q" } });
    const error = await failure(transport.send({ ...request(), method: "POST", body: { productId: "p1" } }));
    expect(isGatewayError(error)).toBe(true);
    expect(error).toMatchObject({ code: "INTERNAL", service: "shipping" });
    expect((error as Error).message).toContain("no writes over AMQP");
    expect(client.seen).toHaveLength(0);
  });

  it("names its instance by the queue, never by the broker URL", () => {
    expect(queueBalancer("shipping.quotes").pick()).toEqual({
      id: "amqp:shipping.quotes",
      url: "amqp:shipping.quotes",
    });
  });
});
