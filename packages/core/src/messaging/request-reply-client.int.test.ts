import {
  brokerAddress,
  brokerUrlVia,
  eventually,
  type QueueService,
  requireBroker,
  startQueueService,
  startTcpProxy,
  type TcpProxy,
  uniqueName,
} from "@portico/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isGatewayError } from "../errors/index.js";
import { failure } from "../test-support/async.js";
import { BrokerConnection } from "./broker-connection.js";
import { RequestReplyClient } from "./request-reply-client.js";

describe("RequestReplyClient against RabbitMQ", () => {
  // The far side: a plain amqplib consumer playing the service.
  let service: QueueService;
  const queue = uniqueName("rr");
  const silentQueue = uniqueName("rr-silent");
  const seen: Array<{ body: string; headers: unknown; expiration: unknown }> = [];

  let proxy: TcpProxy;
  let broker: BrokerConnection;
  let client: RequestReplyClient;

  beforeAll(async () => {
    await requireBroker();
    service = await startQueueService({
      queues: [queue],
      silentQueues: [silentQueue],
      answer: (request, { content, properties }) => {
        seen.push({
          body: content.toString(),
          headers: properties.headers,
          expiration: properties.expiration,
        });
        const { productId } = request as { productId: string };
        return { body: { echo: productId }, headers: { status: productId === "missing" ? 404 : 200 } };
      },
    });
    proxy = await startTcpProxy(brokerAddress());
    broker = new BrokerConnection({
      url: brokerUrlVia(proxy.port),
      heartbeatS: 1,
      backoff: { initialMs: 20, maxMs: 200 },
    });
    client = new RequestReplyClient(broker);
    await eventually(() => client.ready);
  });

  afterAll(async () => {
    await client?.close();
    await broker?.close();
    await proxy?.close();
    await service?.close();
  });

  afterEach(async () => {
    await proxy.setMode("forward");
  });

  const ask = (productId: string, signal = AbortSignal.timeout(2000), to = queue) =>
    client.request({
      queue: to,
      content: Buffer.from(JSON.stringify({ productId })),
      headers: { "x-request-id": `req-${productId}` },
      signal,
      ttlMs: 1500,
    });

  it("matches each reply to its request by correlation id", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const replies = await Promise.all(ids.map((id) => ask(id)));
    expect(replies.map((r) => JSON.parse(r.content.toString()).echo)).toEqual(ids);
    expect(replies[0]?.headers.status).toBe(200);
    expect(client.pending).toBe(0);
  });

  it("sends the headers and a per-message TTL", async () => {
    seen.length = 0;
    await ask("p-headers");
    expect(seen[0]).toMatchObject({
      body: '{"productId":"p-headers"}',
      headers: { "x-request-id": "req-p-headers" },
      expiration: "1500",
    });
  });

  it("hands back the reply's status header", async () => {
    const reply = await ask("missing");
    expect(reply.headers.status).toBe(404);
  });

  it("stops waiting when the signal aborts, and forgets the request", async () => {
    const controller = new AbortController();
    const pending = ask("never", controller.signal, silentQueue);
    expect(client.pending).toBe(1);
    const reason = new Error("gave up");
    controller.abort(reason);
    expect(await failure(pending)).toBe(reason);
    expect(client.pending).toBe(0);
  });

  it("fails fast when no queue can take the request", async () => {
    const started = performance.now();
    const error = await failure(ask("p1", AbortSignal.timeout(5000), uniqueName("nobody")));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(isGatewayError(error) && error.code).toBe("BROKER_UNAVAILABLE");
    expect((error as { reason: string }).reason).toBe("unroutable");
  });

  it("fails waiting requests when the link dies, fails fast while it is down, and recovers", async () => {
    const waiting = ask("never", AbortSignal.timeout(5000), silentQueue);
    await proxy.setMode("reset");
    const lost = await failure(waiting);
    expect((lost as { reason: string }).reason).toBe("lost");
    await eventually(() => !client.ready);
    const started = performance.now();
    const down = await failure(ask("p1", AbortSignal.timeout(5000)));
    // Fast means "not waiting for the 5 s timeout"; the bound is loose for loaded machines.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect((down as { reason: string }).reason).toBe("unavailable");
    await proxy.setMode("forward");
    await eventually(() => client.ready);
    const reply = await ask("p-back");
    expect(JSON.parse(reply.content.toString())).toEqual({ echo: "p-back" });
  }, 30_000);

  it("rejects at once when the signal is already aborted", async () => {
    const reason = new Error("already");
    const controller = new AbortController();
    controller.abort(reason);
    expect(await failure(ask("p1", controller.signal))).toBe(reason);
    expect(client.pending).toBe(0);
  });
});
