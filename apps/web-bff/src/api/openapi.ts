import {
  BEARER_JWT_SCHEME,
  BEARER_SCHEME_NAME,
  buildOpenApiDocument as buildDocument,
  openApiDocumentRoute as documentRoute,
  type JsonObject,
  moneySchema,
  type Step,
} from "@portico/core";
import { OPERATIONS } from "./operations.js";
import { catalogItemSchema } from "./schemas.js";

/**
 * web-bff's OpenAPI 3.1 document (contract 2.7), generated from the
 * operations and the zod schemas that validate their input and shape their
 * answers.
 */
export function buildOpenApiDocument(): JsonObject {
  return buildDocument({
    info: {
      title: "Portico web API",
      version: "1.0.0",
      description:
        "The richer API of the web SPA: the product page and the wishlist in one call each, the signed-in customer's cart and orders, and live updates over a WebSocket. Every answer carries `X-Request-Id` (and `Server-Timing` when an upstream service was called); errors are RFC 9457 problem documents (`application/problem+json`). Bodies over 1,024 bytes are compressed (`br` or `gzip`) when `Accept-Encoding` allows.",
    },
    tags: [
      { name: "Products", description: "The product page and the wishlist." },
      { name: "Cart and orders", description: "The signed-in customer's writes (contract 2.6)." },
      { name: "Live updates", description: "Stock and price changes, pushed over a WebSocket." },
      { name: "API description", description: "This document." },
    ],
    operations: OPERATIONS,
    securitySchemes: { [BEARER_SCHEME_NAME]: BEARER_JWT_SCHEME },
    schemas: [
      { name: "Money", schema: moneySchema },
      { name: "CatalogItem", schema: catalogItemSchema },
    ],
  });
}

/** `GET /api/openapi.json`: the document, built and serialized once. */
export function openApiDocumentRoute(): Step {
  return documentRoute(buildOpenApiDocument());
}
