import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BEARER_JWT_SCHEME } from "./components.js";
import { buildOpenApiDocument, type Operation, routeTemplate } from "./document.js";
import {
  BEARER_SCHEME_NAME,
  compositeResponses,
  conditionalRequestHeaders,
  openApiDocumentOperation,
  SECURITY_BEARER_OPTIONAL,
} from "./operations.js";
import { moneySchema } from "./schemas.js";
import { shopWriteOperations } from "./shop-writes.js";

// biome-ignore lint/suspicious/noExplicitAny: the test walks an untyped document
type Json = Record<string, any>;

const itemSchema = z.object({
  id: z.string(),
  price: moneySchema.nullable(),
  degraded: z.object({ price: z.enum(["cache", "empty"]).optional() }),
});

const getItem: Operation = {
  method: "get",
  path: "/items/{id}",
  summary: "One item",
  description: "An item.",
  security: SECURITY_BEARER_OPTIONAL,
  pathParams: z.object({ id: z.string().regex(/^[a-z]+$/) }),
  query: z.object({ verbose: z.string().optional(), lang: z.string() }),
  requestHeaders: conditionalRequestHeaders,
  responses: compositeResponses({ name: "Item", schema: itemSchema }, "The item."),
  problems: [{ status: 404, description: "No such item." }, 400],
};

const build = (operations: Record<string, Operation>) =>
  buildOpenApiDocument({
    info: { title: "Test API", version: "1.0.0" },
    operations,
    securitySchemes: { [BEARER_SCHEME_NAME]: BEARER_JWT_SCHEME },
    schemas: [{ name: "Money", schema: moneySchema }],
  }) as Json;

const document = build({
  getItem,
  getDocument: openApiDocumentOperation("/openapi.json"),
  ...shopWriteOperations("/api"),
});

/** Every `$ref` in `value`. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value === null || typeof value !== "object") return [];
  const own = typeof (value as Json).$ref === "string" ? [(value as Json).$ref as string] : [];
  return [...own, ...Object.values(value).flatMap(refsIn)];
}

const resolve = (pointer: string) =>
  pointer
    .replace(/^#\//, "")
    .split("/")
    .reduce((node: Json | undefined, part) => node?.[part], document);

describe("buildOpenApiDocument", () => {
  it("is an OpenAPI 3.1 document with its info, servers and security schemes", () => {
    expect(document.openapi).toBe("3.1.1");
    expect(document.info).toEqual({ title: "Test API", version: "1.0.0" });
    expect(document.servers).toEqual([expect.objectContaining({ url: "/" })]);
    expect(document.components.securitySchemes.BearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(document.security).toBeUndefined();
  });

  it("lists each operation under its path and method, with its id and security", () => {
    expect(Object.keys(document.paths).sort()).toEqual([
      "/api/cart/items/{productId}",
      "/api/orders",
      "/api/orders/{orderId}",
      "/items/{id}",
      "/openapi.json",
    ]);
    const item = document.paths["/items/{id}"].get;
    expect(item.operationId).toBe("getItem");
    expect(item.security).toEqual([{}, { BearerAuth: [] }]);
    expect(document.paths["/openapi.json"].get.security).toEqual([]);
    expect(document.paths["/api/orders"].post.security).toEqual([{ BearerAuth: [] }]);
    expect(Object.keys(document.paths["/api/cart/items/{productId}"]).sort()).toEqual(["delete", "put"]);
  });

  it("documents path, query and header parameters as they are validated", () => {
    const parameters = document.paths["/items/{id}"].get.parameters as Json[];
    expect(parameters.map(({ name, in: where, required }) => [name, where, required])).toEqual([
      ["id", "path", true],
      ["verbose", "query", false],
      ["lang", "query", true],
      ["If-None-Match", "header", false],
    ]);
    expect(parameters[0]?.schema).toEqual({ type: "string", pattern: "^[a-z]+$" });
    const [key] = document.paths["/api/orders"].post.parameters as Json[];
    expect(key).toMatchObject({ name: "Idempotency-Key", in: "header", required: true });
    expect(key?.schema.pattern).toBe("^[A-Za-z0-9._:-]{8,128}$");
  });

  it("names answer bodies under components.schemas, closed, and refers to shared ones", () => {
    const ok = document.paths["/items/{id}"].get.responses["200"];
    expect(ok.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Item" });
    const item = document.components.schemas.Item;
    expect(item.additionalProperties).toBe(false);
    expect(item.properties.price).toEqual({
      anyOf: [{ $ref: "#/components/schemas/Money" }, { type: "null" }],
    });
    expect(Object.keys(ok.headers)).toEqual([
      "X-Request-Id",
      "Server-Timing",
      "ETag",
      "Cache-Control",
      "Vary",
    ]);
    const notModified = document.paths["/items/{id}"].get.responses["304"];
    expect(notModified.content).toBeUndefined();
    expect(Object.keys(notModified.headers)).toContain("ETag");
  });

  it("documents request bodies by their input side: a default makes a field optional", () => {
    const post = document.paths["/api/orders"].post;
    expect(post.requestBody).toMatchObject({ required: false });
    const body = resolve(post.requestBody.content["application/json"].schema.$ref);
    expect(body?.required ?? []).not.toContain("shippingMethod");
    expect(body?.additionalProperties).toBe(false);
    const put = document.paths["/api/cart/items/{productId}"].put;
    expect(put.requestBody.required).toBe(true);
    expect(resolve(put.requestBody.content["application/json"].schema.$ref)).toMatchObject({
      required: ["quantity"],
      properties: { quantity: { type: "integer", minimum: 0, maximum: 99 } },
    });
  });

  it("refers each problem to a shared problem+json response, with a default, and its own description when given", () => {
    const responses = document.paths["/items/{id}"].get.responses;
    expect(Object.keys(responses)).toEqual(["200", "304", "400", "404", "default"]);
    expect(responses["404"]).toEqual({
      $ref: "#/components/responses/NotFound",
      description: "No such item.",
    });
    expect(responses["400"]).toEqual({ $ref: "#/components/responses/BadRequest" });
    const unauthorized = document.components.responses.Unauthorized;
    expect(unauthorized.content["application/problem+json"].schema).toEqual({
      $ref: "#/components/schemas/Problem",
    });
    expect(Object.keys(unauthorized.headers)).toContain("WWW-Authenticate");
    expect(document.components.schemas.Problem.required).toEqual([
      "type",
      "title",
      "status",
      "detail",
      "instance",
      "requestId",
      "code",
    ]);
    // A problem with headers of its own is inlined, over the same schema.
    const replayed = document.paths["/api/orders"].post.responses["422"];
    expect(replayed.$ref).toBeUndefined();
    expect(Object.keys(replayed.headers)).toEqual(
      expect.arrayContaining(["X-Request-Id", "Idempotent-Replayed"]),
    );
    expect(replayed.content["application/problem+json"].schema).toEqual({
      $ref: "#/components/schemas/Problem",
    });
    const created = document.paths["/api/orders"].post.responses["201"];
    expect(Object.keys(created.headers)).toEqual(expect.arrayContaining(["Location", "Idempotent-Replayed"]));
  });

  it("lists only the header and problem components its operations use, and every $ref resolves", () => {
    const only = build({ getItem });
    expect(Object.keys(only.components.responses).sort()).toEqual(["BadRequest", "NotFound", "OtherProblem"]);
    expect(only.components.headers.Location).toBeUndefined();
    for (const pointer of refsIn(document)) expect(resolve(pointer), pointer).toBeDefined();
  });

  it("refuses an operation described twice and two schemas under one name", () => {
    expect(() => build({ a: getItem, b: getItem })).toThrow(/described twice/);
    expect(() =>
      build({
        getItem,
        other: {
          ...getItem,
          path: "/other",
          responses: compositeResponses({ name: "Item", schema: z.string() }, ""),
        },
      }),
    ).toThrow(/named Item/);
  });
});

describe("routeTemplate", () => {
  it("turns OpenAPI parameters into route-table ones", () => {
    expect(routeTemplate("/api/orders/{orderId}")).toBe("/api/orders/:orderId");
    expect(routeTemplate("/openapi.json")).toBe("/openapi.json");
  });
});
