import { z } from "zod";
import { OPERATIONS, type Operation } from "./operations.js";
import {
  availabilitySchema,
  degradedSchema,
  imageSchema,
  moneySchema,
  problemSchema,
  productListSchema,
  productSchema,
} from "./schemas.js";

type JsonObject = Record<string, unknown>;

/** Named schemas, so the document says `$ref: #/components/schemas/Product` rather than repeating it. */
const COMPONENT_SCHEMAS: ReadonlyArray<readonly [string, z.ZodType]> = [
  ["Product", productSchema],
  ["ProductList", productListSchema],
  ["Money", moneySchema],
  ["Image", imageSchema],
  ["Availability", availabilitySchema],
  ["Degraded", degradedSchema],
  ["Problem", problemSchema],
];

const PROBLEM_RESPONSES: Readonly<Record<number, { name: string; description: string }>> = {
  400: { name: "BadRequest", description: "Invalid input: a parameter does not match its schema." },
  401: { name: "Unauthorized", description: "Missing or unknown `X-API-Key`." },
  404: { name: "NotFound", description: "No such product." },
  429: {
    name: "TooManyRequests",
    description: "The key's quota for this minute is used up; see `Retry-After`.",
  },
  502: { name: "BadGateway", description: "A required upstream service failed." },
  503: { name: "ServiceUnavailable", description: "A required upstream service is shed; see `Retry-After`." },
  504: { name: "GatewayTimeout", description: "A required upstream service timed out." },
};

const RATE_LIMIT_HEADERS = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] as const;

const HEADERS: Readonly<Record<string, JsonObject>> = {
  "X-Request-Id": {
    description: "The caller's `X-Request-Id` when it matches the pattern, else a new one.",
    schema: { type: "string", pattern: "^[A-Za-z0-9._-]{1,128}$" },
  },
  "RateLimit-Limit": {
    description: "Requests the key may make per minute. On every answer to a request with a valid key.",
    schema: { type: "integer", minimum: 0 },
  },
  "RateLimit-Remaining": {
    description: "Requests left in the current window.",
    schema: { type: "integer", minimum: 0 },
  },
  "RateLimit-Reset": {
    description: "Seconds until the window resets and the full quota is available again.",
    schema: { type: "integer", minimum: 1 },
  },
  "Retry-After": {
    description: "Seconds to wait before trying again.",
    schema: { type: "integer", minimum: 1 },
  },
  "Server-Timing": {
    description: "Time spent per upstream service, e.g. `catalog;dur=12.4, pricing;dur=3.1`.",
    schema: { type: "string" },
  },
  "WWW-Authenticate": {
    description: 'The scheme to authenticate with: `ApiKey header="X-API-Key"`.',
    schema: { type: "string" },
  },
};

const ref = (kind: "schemas" | "headers" | "responses", name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

/** zod → JSON Schema 2020-12 (the dialect of OpenAPI 3.1), without the per-schema `$schema`/`$id`. */
function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonObject {
  const { $schema: _dialect, $id: _id, ...rest } = z.toJSONSchema(schema, { io }) as JsonObject;
  return rest;
}

function componentSchemas(): JsonObject {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of COMPONENT_SCHEMAS) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io: "output", uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as JsonObject;
      return [id, rest];
    }),
  );
}

function parametersOf(operation: Operation): JsonObject[] {
  const sources = [
    ["path", operation.pathParams],
    ["query", operation.query],
  ] as const;
  return sources.flatMap(([where, object]) =>
    object === undefined
      ? []
      : Object.entries(object.shape).map(([name, schema]) => {
          const json = jsonSchemaOf(schema as z.ZodType, "input");
          return {
            name,
            in: where,
            required: where === "path" || !(schema as z.ZodType).safeParse(undefined).success,
            ...(typeof json.description === "string" ? { description: json.description } : {}),
            schema: json,
          };
        }),
  );
}

function headerRefs(names: readonly string[]): JsonObject {
  return Object.fromEntries(names.map((name) => [name, ref("headers", name)]));
}

function operationObject(id: string, operation: Operation): JsonObject {
  const okHeaders = ["X-Request-Id", ...(operation.keyed ? [...RATE_LIMIT_HEADERS, "Server-Timing"] : [])];
  const responses: JsonObject = {
    200: {
      description: operation.response === undefined ? "The OpenAPI document." : "OK",
      headers: headerRefs(okHeaders),
      content: {
        "application/json": {
          schema:
            operation.response === undefined ? { type: "object" } : ref("schemas", operation.response.name),
        },
      },
    },
  };
  const problems = [...operation.problems, ...(operation.keyed ? [401, 429] : [])].sort((a, b) => a - b);
  for (const status of problems) {
    const problem = PROBLEM_RESPONSES[status];
    if (problem === undefined) throw new Error(`No documented problem response for ${status}`);
    responses[status] = ref("responses", problem.name);
  }
  const parameters = parametersOf(operation);
  return {
    operationId: id,
    summary: operation.summary,
    description: operation.description,
    ...(operation.keyed ? {} : { security: [] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    responses,
  };
}

function problemResponses(): JsonObject {
  return Object.fromEntries(
    Object.entries(PROBLEM_RESPONSES).map(([status, { name, description }]) => {
      const headers = ["X-Request-Id"];
      if (status !== "401") headers.push(...RATE_LIMIT_HEADERS);
      if (status === "401") headers.push("WWW-Authenticate");
      if (status === "429" || status === "503") headers.push("Retry-After");
      return [
        name,
        {
          description,
          headers: headerRefs(headers),
          content: { "application/problem+json": { schema: ref("schemas", "Problem") } },
        },
      ];
    }),
  );
}

/**
 * The partner API's OpenAPI 3.1 document, generated from the operations and
 * the zod schemas that validate requests and shape answers.
 */
export function buildOpenApiDocument(): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const [id, operation] of Object.entries(OPERATIONS) as [string, Operation][]) {
    paths[operation.path] = { ...paths[operation.path], [operation.method]: operationObject(id, operation) };
  }
  return {
    openapi: "3.1.1",
    info: {
      title: "Portico partner API",
      version: "1.0.0",
      description:
        "Products with prices and availability for partners. Every call but this document needs an `X-API-Key`; each key may make its `ratePerMinute` requests a minute. Errors are RFC 9457 problem documents.",
    },
    security: [{ ApiKey: [] }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        ApiKey: { type: "apiKey", in: "header", name: "X-API-Key", description: "The partner's API key." },
      },
      headers: HEADERS,
      responses: problemResponses(),
    },
  };
}
