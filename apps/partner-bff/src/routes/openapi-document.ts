import { json, type Step } from "@portico/core";
import { buildOpenApiDocument } from "../api/openapi.js";

/** `GET /v1/openapi.json`: the document is built, and serialized, once, from the same schemas the routes use. */
export function openApiDocumentRoute(): Step {
  const answer = json(buildOpenApiDocument());
  return function openApiDocument() {
    return answer;
  };
}
