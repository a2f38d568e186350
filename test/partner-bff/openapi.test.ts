import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoShop, type RunningBff, startBff, startDemoShop } from "../support/processes.js";
import { violations } from "./json-schema.js";

const KEY = "e2e-openapi-key-0123";

// biome-ignore lint/suspicious/noExplicitAny: the test walks the document as served
type Json = Record<string, any>;

let shop: DemoShop;
let bff: RunningBff;
let document: Json;

/** Each operation the partner API serves, as `METHOD /openapi/{path}`. */
const SERVED = ["get /v1/products/{id}", "get /v1/products", "get /v1/openapi.json"];

beforeAll(async () => {
  shop = await startDemoShop();
  bff = await startBff("partner-bff", {
    ...shop.env,
    PARTNER_KEYS: JSON.stringify([{ key: KEY, name: "e2e", ratePerMinute: 1_000 }]),
  });
  document = (await (await fetch(`${bff.url}/v1/openapi.json`)).json()) as Json;
});

afterAll(async () => {
  await bff?.stop();
  await shop?.stop();
});

const schemaOf = (path: string, status: string, type = "application/json"): Json => {
  let response = document.paths[path].get.responses[status] as Json;
  if (typeof response.$ref === "string")
    response = document.components.responses[response.$ref.split("/").pop() ?? ""];
  return response.content[type].schema as Json;
};

describe("GET /v1/openapi.json on partner-bff", () => {
  it("is an OpenAPI 3.1 document with paths, components and the X-API-Key scheme", () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof document.info.title).toBe("string");
    expect(typeof document.info.version).toBe("string");
    expect(document.components.securitySchemes.ApiKey).toMatchObject({
      type: "apiKey",
      in: "header",
      name: "X-API-Key",
    });
    expect(document.security).toEqual([{ ApiKey: [] }]);
    expect(document.paths["/v1/openapi.json"].get.security).toEqual([]);
    for (const header of ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"]) {
      expect(document.components.headers[header]).toBeDefined();
    }
  });

  it("lists exactly the operations it serves, and each one answers", async () => {
    const listed = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item as Json).map((method) => `${method} ${path}`),
    );
    expect(listed.sort()).toEqual([...SERVED].sort());
    for (const operation of SERVED) {
      const path = operation.split(" ")[1] as string;
      const url = `${bff.url}${path.replace("{id}", "p1")}${path === "/v1/products" ? "?ids=p1" : ""}`;
      const response = await fetch(url, { headers: { "x-api-key": KEY } });
      expect(response.status, operation).toBe(200);
    }
  });

  it("documents 400, 401, 404 and 429 problems with the RateLimit and Retry-After headers", () => {
    const single = document.paths["/v1/products/{id}"].get.responses as Json;
    for (const status of ["400", "401", "404", "429"]) {
      expect(schemaOf("/v1/products/{id}", status, "application/problem+json")).toEqual({
        $ref: "#/components/schemas/Problem",
      });
    }
    const tooMany = document.components.responses[single["429"].$ref.split("/").pop() ?? ""];
    expect(Object.keys(tooMany.headers)).toEqual(
      expect.arrayContaining(["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]),
    );
    expect(Object.keys(single["200"].headers)).toEqual(
      expect.arrayContaining(["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]),
    );
    expect(document.paths["/v1/products"].get.responses["400"]).toBeDefined();
    expect(document.paths["/v1/products"].get.parameters[0]).toMatchObject({
      name: "ids",
      in: "query",
      required: true,
    });
  });

  it("describes what is served: answers and problems validate against the document's schemas", async () => {
    const get = (path: string, key = KEY) => fetch(`${bff.url}${path}`, { headers: { "x-api-key": key } });
    const cases: [Response, string, string, string][] = [
      [await get("/v1/products/p1"), "/v1/products/{id}", "200", "application/json"],
      [await get("/v1/products/p3"), "/v1/products/{id}", "200", "application/json"],
      [await get("/v1/products?ids=p1,p2,p999"), "/v1/products", "200", "application/json"],
      [await get("/v1/products/p999"), "/v1/products/{id}", "404", "application/problem+json"],
      [await get("/v1/products/p1", "unknown-key"), "/v1/products/{id}", "401", "application/problem+json"],
      [await get("/v1/products?ids=a,,b"), "/v1/products", "400", "application/problem+json"],
    ];
    for (const [response, path, status, type] of cases) {
      expect(String(response.status)).toBe(status);
      expect(response.headers.get("content-type")).toMatch(new RegExp(`^${type.replace("+", "\\+")}`));
      expect(
        violations(document, schemaOf(path, status, type), await response.json()),
        `${path} ${status}`,
      ).toEqual([]);
    }
  });

  it("rejects in its schemas what the API would not serve", () => {
    const product = { $ref: "#/components/schemas/Product" };
    expect(violations(document, product, { id: "p1" })).not.toEqual([]);
    const [parameter] = document.paths["/v1/products"].get.parameters;
    const pattern = new RegExp(parameter.schema.pattern);
    expect(pattern.test(Array.from({ length: 50 }, (_, i) => `p${i}`).join(","))).toBe(true);
    expect(pattern.test(Array.from({ length: 51 }, (_, i) => `p${i}`).join(","))).toBe(false);
  });
});
