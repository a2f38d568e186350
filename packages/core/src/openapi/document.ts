import { z } from "zod";
import { COMMON_HEADERS, type JsonObject, PROBLEM_RESPONSES, type ProblemResponse } from "./components.js";
import { problemSchema } from "./schemas.js";

export type { JsonObject } from "./components.js";

/** A zod schema with its name under `components.schemas`. */
export interface NamedSchema {
  readonly name: string;
  readonly schema: z.ZodType;
}

/** A body given as JSON Schema (no zod schema has it: the document itself, a relayed answer). */
export interface RawSchema {
  readonly jsonSchema: JsonObject;
}

/** One answer other than a problem. */
export interface OperationResponse {
  readonly description: string;
  /** The body's schema; none for a body-less answer (304, 101). */
  readonly body?: NamedSchema | RawSchema;
  /** The body's media type; default `application/json`. */
  readonly contentType?: string;
  /** Names of the header components it carries (`COMMON_HEADERS` and the document's own). */
  readonly headers?: readonly string[];
}

/**
 * A problem answer of an operation: its status, or its status with a
 * description of this operation's own and, if it carries more than the
 * shared response's, its extra headers (the response is then inlined).
 */
export type ProblemUse =
  | number
  | { readonly status: number; readonly description?: string; readonly headers?: readonly string[] };

/** A security requirement: scheme name → scopes. `{}` makes the others optional. */
export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

/** One served operation, as the OpenAPI document describes it. */
export interface Operation {
  readonly method: "get" | "put" | "post" | "delete" | "patch";
  /** OpenAPI path template, e.g. `/orders/{orderId}`. */
  readonly path: string;
  readonly summary: string;
  readonly description: string;
  readonly tags?: readonly string[];
  /** Its security; `[]` for a public operation; none: the document's `security`. */
  readonly security?: readonly SecurityRequirement[];
  /** Path parameters, validated as the route validates them. */
  readonly pathParams?: z.ZodObject;
  /** Query parameters. */
  readonly query?: z.ZodObject;
  /** Request headers (e.g. `Idempotency-Key`), by their names. */
  readonly requestHeaders?: z.ZodObject;
  /** A JSON body, validated with `schema` (its input side is documented). */
  readonly requestBody?: {
    readonly schema: NamedSchema;
    readonly required: boolean;
    readonly description?: string;
  };
  /** Its answers other than problems, by status (`"4XX"` for a relayed range). */
  readonly responses: Readonly<Record<string, OperationResponse>>;
  /** Its problem+json answers; `default` (any other problem) is always added. */
  readonly problems: readonly ProblemUse[];
}

export interface OpenApiDocumentOptions {
  /** The Info object: `title` and `version` at least. */
  readonly info: JsonObject & { readonly title: string; readonly version: string };
  /** Default: the document's own origin (`/`). */
  readonly servers?: readonly JsonObject[];
  /** By operationId. */
  readonly operations: Readonly<Record<string, Operation>>;
  /** `components.securitySchemes`. */
  readonly securitySchemes: Readonly<Record<string, JsonObject>>;
  /** The document's default security (operations without their own); none when omitted. */
  readonly security?: readonly SecurityRequirement[];
  /** Tag objects, in display order. */
  readonly tags?: readonly JsonObject[];
  /**
   * Named schemas besides the operations' bodies, e.g. `Money`: a body
   * that contains one refers to it rather than repeating it.
   */
  readonly schemas?: readonly NamedSchema[];
  /** Header components besides `COMMON_HEADERS` (or replacing some). */
  readonly headers?: Readonly<Record<string, JsonObject>>;
  /** Problem responses besides `PROBLEM_RESPONSES` (or replacing some), by status (or `default`). */
  readonly problemResponses?: Readonly<Record<string, ProblemResponse>>;
}

const JSON_TYPE = "application/json";
const PROBLEM_TYPE = "application/problem+json";

const ref = (kind: "schemas" | "headers" | "responses", name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

/** Drops what zod puts at the top of a schema and OpenAPI takes from the document. */
function bare(schema: JsonObject): JsonObject {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/** zod → JSON Schema 2020-12 (the dialect of OpenAPI 3.1), standalone. */
function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonObject {
  return bare(z.toJSONSchema(schema, { io }) as JsonObject);
}

/** Named schemas → `components.schemas`, each referring to the others by `$ref`. */
function componentSchemas(named: ReadonlyMap<string, z.ZodType>, io: "input" | "output"): JsonObject {
  if (named.size === 0) return {};
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of named) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, bare(schema as JsonObject)]));
}

function addNamed(into: Map<string, z.ZodType>, { name, schema }: NamedSchema): void {
  const known = into.get(name);
  if (known !== undefined && known !== schema) throw new Error(`Two different schemas are named ${name}`);
  into.set(name, schema);
}

function parametersOf(operation: Operation): JsonObject[] {
  const sources = [
    ["path", operation.pathParams],
    ["query", operation.query],
    ["header", operation.requestHeaders],
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

/**
 * Builds an OpenAPI 3.1 document from the served operations and the zod
 * schemas that validate their input and shape their answers: every answer
 * body is a `components.schemas` entry generated by zod 4 (JSON Schema
 * 2020-12, objects closed as the answers are), every problem a
 * `components.responses` entry over the shared `Problem` schema. Only the
 * header and problem components the operations use are listed.
 */
export function buildOpenApiDocument(options: OpenApiDocumentOptions): JsonObject {
  const headerDefs = { ...COMMON_HEADERS, ...options.headers };
  const problemDefs: Readonly<Record<string, ProblemResponse>> = {
    ...PROBLEM_RESPONSES,
    ...options.problemResponses,
  };
  const outputs = new Map<string, z.ZodType>();
  const inputs = new Map<string, z.ZodType>();
  for (const named of options.schemas ?? []) addNamed(outputs, named);
  addNamed(outputs, { name: "Problem", schema: problemSchema });
  const usedHeaders = new Set<string>();
  const usedProblems = new Set<string>();

  const headerRefs = (names: readonly string[]): JsonObject | undefined => {
    if (names.length === 0) return undefined;
    for (const name of names) {
      if (headerDefs[name] === undefined) throw new Error(`No header component named ${name}`);
      usedHeaders.add(name);
    }
    return Object.fromEntries(names.map((name) => [name, ref("headers", name)]));
  };

  const responseObject = (response: OperationResponse): JsonObject => {
    const headers = headerRefs(response.headers ?? []);
    const { body } = response;
    let schema: JsonObject | undefined;
    if (body !== undefined && "jsonSchema" in body) schema = body.jsonSchema;
    else if (body !== undefined) {
      addNamed(outputs, body);
      schema = ref("schemas", body.name);
    }
    return {
      description: response.description,
      ...(headers === undefined ? {} : { headers }),
      ...(schema === undefined ? {} : { content: { [response.contentType ?? JSON_TYPE]: { schema } } }),
    };
  };

  const problemRef = (use: ProblemUse | "default"): JsonObject => {
    const status = typeof use === "object" ? use.status : use;
    const problem = problemDefs[status];
    if (problem === undefined) throw new Error(`No problem response for ${status}`);
    const description = typeof use === "object" ? use.description : undefined;
    const extraHeaders = typeof use === "object" ? (use.headers ?? []) : [];
    if (extraHeaders.length > 0) {
      return {
        description: description ?? problem.description,
        headers: headerRefs([...problem.headers, ...extraHeaders]),
        content: { [PROBLEM_TYPE]: { schema: ref("schemas", "Problem") } },
      };
    }
    usedProblems.add(String(status));
    return { ...ref("responses", problem.name), ...(description === undefined ? {} : { description }) };
  };

  const operationObject = (id: string, operation: Operation): JsonObject => {
    const responses: JsonObject = {};
    for (const [status, response] of Object.entries(operation.responses)) {
      responses[status] = responseObject(response);
    }
    const problems = [...operation.problems].sort(
      (a, b) => (typeof a === "object" ? a.status : a) - (typeof b === "object" ? b.status : b),
    );
    for (const use of problems)
      responses[String(typeof use === "object" ? use.status : use)] = problemRef(use);
    responses.default = problemRef("default");
    const parameters = parametersOf(operation);
    let requestBody: JsonObject | undefined;
    if (operation.requestBody !== undefined) {
      const { schema, required, description } = operation.requestBody;
      addNamed(inputs, schema);
      requestBody = {
        ...(description === undefined ? {} : { description }),
        required,
        content: { [JSON_TYPE]: { schema: ref("schemas", schema.name) } },
      };
    }
    return {
      operationId: id,
      summary: operation.summary,
      description: operation.description,
      ...(operation.tags === undefined ? {} : { tags: operation.tags }),
      ...(operation.security === undefined ? {} : { security: operation.security }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(requestBody === undefined ? {} : { requestBody }),
      responses,
    };
  };

  const paths: Record<string, JsonObject> = {};
  for (const [id, operation] of Object.entries(options.operations)) {
    const item = paths[operation.path] ?? {};
    if (item[operation.method] !== undefined) {
      throw new Error(`${operation.method.toUpperCase()} ${operation.path} is described twice`);
    }
    paths[operation.path] = { ...item, [operation.method]: operationObject(id, operation) };
  }

  const responses = Object.fromEntries(
    Object.entries(problemDefs)
      .filter(([status]) => usedProblems.has(status))
      .map(([, { name, description, headers }]) => [
        name,
        {
          description,
          ...(headers.length === 0 ? {} : { headers: headerRefs(headers) }),
          content: { [PROBLEM_TYPE]: { schema: ref("schemas", "Problem") } },
        },
      ]),
  );
  const headers = Object.fromEntries(Object.entries(headerDefs).filter(([name]) => usedHeaders.has(name)));

  for (const name of inputs.keys()) {
    if (outputs.has(name)) throw new Error(`${name} names both a request body and an answer`);
  }
  return {
    openapi: "3.1.1",
    info: options.info,
    servers: options.servers ?? [{ url: "/", description: "This BFF, where the document was fetched." }],
    ...(options.security === undefined ? {} : { security: options.security }),
    ...(options.tags === undefined ? {} : { tags: options.tags }),
    paths,
    components: {
      schemas: { ...componentSchemas(outputs, "output"), ...componentSchemas(inputs, "input") },
      securitySchemes: options.securitySchemes,
      headers,
      responses,
    },
  };
}

/** The route-table template of an OpenAPI path: `/orders/{orderId}` → `/orders/:orderId`. */
export function routeTemplate(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1");
}
