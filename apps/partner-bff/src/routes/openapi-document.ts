import { sendJson } from "@portico/core";
import type { Request, Response } from "express";
import { buildOpenApiDocument } from "../api/openapi.js";

/** `GET /v1/openapi.json`: the document is built once, from the same schemas the routes use. */
export function openApiDocumentRoute() {
  const document = buildOpenApiDocument();
  return function openApiDocument(_req: Request, res: Response): void {
    sendJson(res, document);
  };
}
