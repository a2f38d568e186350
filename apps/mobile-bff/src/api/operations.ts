import {
  compositeResponses,
  conditionalRequestHeaders,
  type Operation,
  openApiDocumentOperation,
  SECURITY_BEARER_OPTIONAL,
  SECURITY_NONE,
  shopWriteOperations,
} from "@portico/core";
import { reviewsQuery } from "../routes/reviews.js";
import {
  productDetailsPathSchema,
  productDetailsQuerySchema,
  productDetailsSchema,
  reviewsPageSchema,
} from "./schemas.js";

/** The OpenAPI path of the document itself. */
export const OPENAPI_PATH = "/openapi.json";

const DETAILS_DESCRIPTION =
  "The catalog is required (404 for an unknown id; its failure is 502/503/504). Every other part is optional: when its service fails the part is served by its fallback and named in `degraded`. Anonymous callers get `cart: null, orders: null`; a signed-in customer also gets their cart and 3 newest orders. A present but invalid token is 401, never an anonymous call.";

const details = compositeResponses(
  { name: "ProductDetails", schema: productDetailsSchema },
  "The product, its price, reviews, stock, shipping quotes and recommendations (and, signed in, the customer's cart and orders).",
);
const DETAILS_PROBLEMS = [400, 401, { status: 404, description: "No such product." }, 502, 503, 504];

/** Everything mobile-bff serves its client (contract 2.2, 2.6, 2.7), by operationId. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  getProductDetails: {
    method: "get",
    path: "/productdetails/{productId}",
    summary: "The product-details screen in one call",
    description: DETAILS_DESCRIPTION,
    tags: ["Products"],
    security: SECURITY_BEARER_OPTIONAL,
    pathParams: productDetailsPathSchema,
    requestHeaders: conditionalRequestHeaders,
    responses: details,
    problems: DETAILS_PROBLEMS,
  },
  getProductDetailsByQuery: {
    method: "get",
    path: "/productdetails",
    summary: "The product-details screen in one call (id in the query)",
    description: `The same as \`GET /productdetails/{productId}\`. ${DETAILS_DESCRIPTION}`,
    tags: ["Products"],
    security: SECURITY_BEARER_OPTIONAL,
    query: productDetailsQuerySchema,
    requestHeaders: conditionalRequestHeaders,
    responses: details,
    problems: DETAILS_PROBLEMS,
  },
  getReviews: {
    method: "get",
    path: "/reviews",
    summary: "A product's reviews, from the reviews service",
    description:
      "A pass-through: the query is validated (a bad `productId` or `limit` is 400) and sent to the reviews service; its 2xx and 4xx answers are relayed as they are (with its `Cache-Control` and `ETag`), its 5xx, a refused connection or a timeout become 502/503/504.",
    tags: ["Products"],
    security: SECURITY_NONE,
    query: reviewsQuery,
    responses: {
      200: {
        description: "The reviews service's answer, relayed.",
        body: { name: "ReviewsPage", schema: reviewsPageSchema },
        headers: ["X-Request-Id", "Server-Timing", "Cache-Control", "ETag", "Vary"],
      },
      "4XX": {
        description: "The reviews service's own refusal (e.g. 404 `not_found`), relayed as it is.",
        body: { jsonSchema: { type: "object", description: "The reviews service's own error body." } },
        headers: ["X-Request-Id", "Server-Timing", "Cache-Control", "ETag", "Vary"],
      },
    },
    problems: [{ status: 400, description: "A bad `productId` or `limit`." }, 502, 503, 504],
  },
  ...shopWriteOperations(""),
  getOpenApiDocument: { ...openApiDocumentOperation(OPENAPI_PATH), tags: ["API description"] },
};
