import { closedPortUrl, type FakeUpstream, sendJson, startFakeUpstream } from "@portico/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { httpHealthProbe } from "./health-probe.js";

let server: FakeUpstream | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const live = () => new AbortController().signal;
const instance = (url: string) => ({ id: url, url });

describe("httpHealthProbe", () => {
  it("is healthy on a 2xx from GET /health, unhealthy on a 5xx", async () => {
    let status = 200;
    server = await startFakeUpstream((_req, res) => sendJson(res, status, { status: "ok" }));
    const probe = httpHealthProbe();
    await expect(probe(instance(server.url), live())).resolves.toBe(true);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["GET /health"]);
    status = 503;
    await expect(probe(instance(server.url), live())).resolves.toBe(false);
  });

  it("is unhealthy, never throwing, when refused or silent past its timeout", async () => {
    await expect(httpHealthProbe()(instance(await closedPortUrl()), live())).resolves.toBe(false);
    server = await startFakeUpstream(() => {}); // never answers
    const started = performance.now();
    await expect(httpHealthProbe({ timeoutMs: 100 })(instance(server.url), live())).resolves.toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
