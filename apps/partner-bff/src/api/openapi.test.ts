import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildOpenApiDocument } from "./openapi.js";
import { OPERATIONS } from "./operations.js";
import { productListSchema, productSchema, productsQuerySchema } from "./schemas.js";

// biome-ignore lint/suspicious/noExplicitAny: the test walks an untyped document
type Json = Record<string, any>;

const document = buildOpenApiDocument() as Json;

/** Replaces every `$ref` to `#/components/...` with what it points at. */
function inline(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(inline);
  if (value === null || typeof value !== "object") return value;
  const ref = (value as Json).$ref;
  if (typeof ref === "string") {
    const target = ref
      .replace(/^#\//, "")
      .split("/")
      .reduce((node: Json, part) => node[part], document);
    expect(target, `dangling ${ref}`).toBeDefined();
    return inline(target);
  }
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, inline(child)]));
}

const withoutDialect = (schema: z.ZodType) => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema) as Json;
  return rest;
};

describe("the OpenAPI document", () => {
  it("is an OpenAPI 3.1 document with the API key scheme", () => {
    expect(document.openapi).toBe("3.1.1");
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(document.components.securitySchemes.ApiKey).toEqual(
      expect.objectContaining({ type: "apiKey", in: "header", name: "X-API-Key" }),
    );
    expect(document.security).toEqual([{ ApiKey: [] }]);
  });

  it("lists every operation, and only those", () => {
    const listed = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item as Json).map((method) => `${method} ${path}`),
    );
    expect(listed.sort()).toEqual(
      Object.values(OPERATIONS)
        .map((o) => `${o.method} ${o.path}`)
        .sort(),
    );
  });

  it("describes answers with the very zod schemas the routes use", () => {
    expect(
      inline(document.paths["/v1/products/{id}"].get.responses["200"].content["application/json"].schema),
    ).toEqual(withoutDialect(productSchema));
    expect(
      inline(document.paths["/v1/products"].get.responses["200"].content["application/json"].schema),
    ).toEqual(withoutDialect(productListSchema));
  });

  it("documents the ids parameter as it is validated", () => {
    const [parameter] = document.paths["/v1/products"].get.parameters;
    expect(parameter).toMatchObject({ name: "ids", in: "query", required: true });
    const pattern = new RegExp(parameter.schema.pattern);
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`).join(",");
    for (const text of [ids(1), ids(50), ids(51), "p1,", "p 1", "p1,,p2"]) {
      expect(pattern.test(text), text).toBe(productsQuerySchema.safeParse({ ids: text }).success);
    }
  });

  it("documents 401 and 429 with their headers on keyed operations only", () => {
    for (const operation of Object.values(OPERATIONS)) {
      const responses = inline(document.paths[operation.path][operation.method].responses) as Json;
      if (!operation.keyed) {
        expect(document.paths[operation.path][operation.method].security).toEqual([]);
        expect(responses["401"]).toBeUndefined();
        continue;
      }
      expect(Object.keys(responses["200"].headers)).toEqual(
        expect.arrayContaining(["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]),
      );
      expect(Object.keys(responses["429"].headers)).toEqual(
        expect.arrayContaining(["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]),
      );
      expect(responses["401"].content["application/problem+json"].schema.required).toContain("requestId");
      for (const status of ["400", "401", "429", "502", "503", "504"])
        expect(responses[status]).toBeDefined();
    }
  });

  it("holds no $ref that points nowhere", () => {
    expect(() => inline(document)).not.toThrow();
  });
});
