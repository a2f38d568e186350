import { closedPort, uniqueName } from "@portico/test-support";
import { describe, expect, it } from "vitest";
import { seed } from "../seed/seed.js";
import { startDemoServices } from "../start-demo-services.js";
import { createDemoStore } from "../store/demo-store.js";
import { postJson } from "../test-support/http.js";
import { answerQuote } from "./shipping-consumer.js";

describe("answerQuote", () => {
  const store = createDemoStore(seed);

  it("answers like GET /quotes?productId=", () => {
    const answer = answerQuote(store, Buffer.from('{"productId":"p1"}'));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ options: seed.shipping.p1 });
  });

  it("is 404 for an unknown product and 400 for a bad request", () => {
    expect(answerQuote(store, Buffer.from('{"productId":"nope"}')).status).toBe(404);
    expect(answerQuote(store, Buffer.from('{"productId":"../x"}')).status).toBe(400);
    expect(answerQuote(store, Buffer.from("{"))).toMatchObject({ status: 400 });
    expect(answerQuote(store, Buffer.from("null"))).toMatchObject({ status: 400 });
  });
});

describe("the demo shop without a reachable broker", () => {
  it("starts anyway, serves HTTP, and stops cleanly", async () => {
    const port = await closedPort();
    const lines: string[] = [];
    const started = performance.now();
    const demo = await startDemoServices({
      amqp: {
        url: `amqp://guest:secret-pw@127.0.0.1:${port}`,
        shippingConsumer: true,
        shippingQueue: uniqueName("demo-down"),
        eventsExchange: uniqueName("demo-down"),
        log: (line) => lines.push(line),
      },
    });
    try {
      expect(performance.now() - started).toBeLessThan(4000);
      expect((await fetch(`${demo.url("shipping")}/quotes?productId=p1`)).status).toBe(200);
      expect(await postJson(`${demo.controlUrl}/_admin/stock/p1`, { available: 1 })).toMatchObject({
        status: 200,
      });
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] ?? "")).toMatchObject({ level: "warn" });
      expect(lines[0]).not.toContain("secret-pw");
    } finally {
      await demo.close();
    }
  });
});
