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

/**
 * mobile-bff's OpenAPI 3.1 document (contract 2.7), generated from the
 * operations and the zod schemas that validate their input and shape their
 * answers.
 */
export function buildOpenApiDocument(): JsonObject {
  return buildDocument({
    info: {
      title: "Portico mobile API",
      version: "1.0.0",
      description:
        "The coarse-grained API of the native mobile app: the product-details screen in one call, the reviews pass-through, and the signed-in customer's cart and orders. Every answer carries `X-Request-Id` (and `Server-Timing` when an upstream service was called); errors are RFC 9457 problem documents (`application/problem+json`). Bodies over 1,024 bytes are compressed (`br` or `gzip`) when `Accept-Encoding` allows.",
    },
    tags: [
      { name: "Products", description: "What the product-details screen shows." },
      { name: "Cart and orders", description: "The signed-in customer's writes (contract 2.6)." },
      { name: "API description", description: "This document." },
    ],
    operations: OPERATIONS,
    securitySchemes: { [BEARER_SCHEME_NAME]: BEARER_JWT_SCHEME },
    schemas: [{ name: "Money", schema: moneySchema }],
  });
}

/** `GET /openapi.json`: the document, built and serialized once. */
export function openApiDocumentRoute(): Step {
  return documentRoute(buildOpenApiDocument());
}
