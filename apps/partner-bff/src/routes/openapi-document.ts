import { json, type Step } from "@portico/core";
import { buildOpenApiDocument } from "../api/openapi.js";

/**
 * `GET /v1/openapi.json`: the document is built, and serialized, once, from
 * the same schemas the routes use. It changes only with a deployment: a
 * client may keep it five minutes.
 */
export function openApiDocumentRoute(): Step {
  const answer = json(buildOpenApiDocument(), 200, ["Cache-Control", "public, max-age=300"]);
  return function openApiDocument() {
    return answer;
  };
}
