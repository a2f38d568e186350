import { afterEach, describe, expect, it } from "vitest";
import { json } from "../http/answer.js";
import { createGatewayApp } from "../http/gateway-app.js";
import { type EdgeTestServer, serveEdge } from "../test-support/edge-server.js";
import { ApiKeys, requireApiKey } from "./api-keys.js";

const ENTRIES = [
  { key: "acme-secret-key-1", name: "acme", ratePerMinute: 600 },
  { key: "globex-secret-key", name: "globex", ratePerMinute: 60 },
];

describe("ApiKeys", () => {
  it("finds the entry of a configured key, with its extra fields", () => {
    const keys = new ApiKeys(ENTRIES);
    expect(keys.find("globex-secret-key")).toEqual(ENTRIES[1]);
    expect(keys.size).toBe(2);
  });

  it("finds nothing for a missing, empty, unknown or almost-right key", () => {
    const keys = new ApiKeys(ENTRIES);
    for (const presented of [
      undefined,
      "",
      "nope",
      "acme-secret-key-",
      "acme-secret-key-1 ",
      "ACME-SECRET-KEY-1",
    ]) {
      expect(keys.find(presented)).toBeUndefined();
    }
  });

  it("refuses a key configured twice or an empty key", () => {
    expect(
      () => new ApiKeys([...ENTRIES, { key: "acme-secret-key-1", name: "other", ratePerMinute: 1 }]),
    ).toThrow(/configured twice/);
    expect(() => new ApiKeys([{ key: "", name: "empty" }])).toThrow(/empty/);
  });
});

describe("requireApiKey", () => {
  let server: EdgeTestServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function serve(): Promise<string> {
    const { routes, finish } = createGatewayApp({ requestDeadlineMs: 1_000 });
    routes({
      "/whoami": {
        get: [requireApiKey(new ApiKeys(ENTRIES)), (exchange) => json(exchange.ctx.identity ?? null)],
      },
    });
    server = await serveEdge(finish());
    return server.url;
  }

  it("sets the identity { partner: name } for a known key", async () => {
    const url = await serve();
    const response = await fetch(`${url}/whoami`, { headers: { "x-api-key": "acme-secret-key-1" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ partner: "acme" });
  });

  it.each([
    ["a missing key", {}, "Missing X-API-Key header"],
    ["an empty key", { "x-api-key": "" }, "Missing X-API-Key header"],
    ["an unknown key", { "x-api-key": "guess" }, "Unknown API key"],
  ])("answers 401 problem+json for %s, without echoing the key", async (_label, headers, detail) => {
    const url = await serve();
    const response = await fetch(`${url}/whoami`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(response.headers.get("www-authenticate")).toBe('ApiKey header="X-API-Key"');
    const body = await response.json();
    expect(body).toMatchObject({ status: 401, code: "UNAUTHORIZED", detail, instance: "/whoami" });
    expect(JSON.stringify(body)).not.toContain("guess");
  });
});
