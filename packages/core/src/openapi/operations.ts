import { z } from "zod";
import { json } from "../http/answer.js";
import type { Step } from "../http/route-table.js";
import type { NamedSchema, Operation, OperationResponse, SecurityRequirement } from "./document.js";

/** The name of the bearer JWT scheme in the mobile and web documents' `securitySchemes`. */
export const BEARER_SCHEME_NAME = "BearerAuth";

/** A route that needs a signed-in customer (no or bad token: 401). */
export const SECURITY_BEARER: readonly SecurityRequirement[] = [{ [BEARER_SCHEME_NAME]: [] }];
/** A route for anyone, that shows more to a signed-in customer (a bad token is still a 401). */
export const SECURITY_BEARER_OPTIONAL: readonly SecurityRequirement[] = [{}, { [BEARER_SCHEME_NAME]: [] }];
/** A route that takes no credentials. */
export const SECURITY_NONE: readonly SecurityRequirement[] = [];

/** The conditional request header of a composite GET. */
export const conditionalRequestHeaders = z.object({
  "If-None-Match": z
    .string()
    .optional()
    .meta({ description: "An `ETag` of an earlier answer (or a list, or `*`): 304 while it still matches." }),
});

/** Headers of a composite's 200 (contract 2.8). */
export const COMPOSITE_HEADERS = ["X-Request-Id", "Server-Timing", "ETag", "Cache-Control", "Vary"] as const;

/**
 * The answers of a composite GET (contract 2.8): 200 with its body, or
 * 304 with no body when `If-None-Match` matches its weak `ETag`.
 */
export function compositeResponses(
  body: NamedSchema,
  description: string,
): Readonly<Record<string, OperationResponse>> {
  return {
    200: { description, body, headers: COMPOSITE_HEADERS },
    304: {
      description: "Not modified: `If-None-Match` matched the answer's `ETag`. No body.",
      headers: COMPOSITE_HEADERS,
    },
  };
}

/** `Cache-Control` of an OpenAPI document: it changes only with a deployment. */
export const OPENAPI_DOCUMENT_CACHE_CONTROL = "public, max-age=300";

/** The operation of the document itself, at `path`: public, cacheable five minutes. */
export function openApiDocumentOperation(path: string): Operation {
  return {
    method: "get",
    path,
    summary: "This OpenAPI 3.1 document",
    description: `Needs no credentials. Built once at start-up from the schemas the routes validate with; \`Cache-Control: ${OPENAPI_DOCUMENT_CACHE_CONTROL}\`.`,
    security: SECURITY_NONE,
    responses: {
      200: {
        description: "The OpenAPI document.",
        body: { jsonSchema: { type: "object", description: "An OpenAPI 3.1 document." } },
        headers: ["X-Request-Id", "Cache-Control", "Vary"],
      },
    },
    problems: [],
  };
}

/**
 * The route step that serves `document`: serialized once, `public,
 * max-age=300` (it changes only with a deployment).
 */
export function openApiDocumentRoute(document: object): Step {
  const answer = json(document, 200, ["Cache-Control", OPENAPI_DOCUMENT_CACHE_CONTROL]);
  return function openApiDocument() {
    return answer;
  };
}
