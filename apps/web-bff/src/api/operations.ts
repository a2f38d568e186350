import {
  compositeResponses,
  conditionalRequestHeaders,
  type Operation,
  openApiDocumentOperation,
  SECURITY_BEARER,
  SECURITY_BEARER_OPTIONAL,
  SECURITY_NONE,
  shopWriteOperations,
} from "@portico/core";
import { LIVE_PATH } from "../live/live-endpoint.js";
import { liveQuerySchema, productPagePathSchema, productPageSchema, wishlistSchema } from "./schemas.js";

/** The OpenAPI path of the document itself. */
export const OPENAPI_PATH = "/api/openapi.json";

/** Everything web-bff serves its client (contract 2.3, 2.6, 2.7), by operationId. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  getProductPage: {
    method: "get",
    path: "/api/product-page/{productId}",
    summary: "The web product page in one call",
    description:
      'The catalog is required (404 for an unknown id; its failure is 502/503/504). Every other part is optional: when its service fails the part is served by its fallback and named in `degraded`. Recommendations are a dependent composition: the recommendations call, then one batched catalog call and one batched pricing call for the recommended ids (catalog batch failing: `recommendations: []`, `degraded.recommendations = "empty"`; pricing batch failing: each `price: null`, `degraded.recommendationPrices = "empty"`). Anonymous callers get `cart: null, orders: null`. A present but invalid token is 401, never an anonymous call.',
    tags: ["Products"],
    security: SECURITY_BEARER_OPTIONAL,
    pathParams: productPagePathSchema,
    requestHeaders: conditionalRequestHeaders,
    responses: compositeResponses(
      { name: "ProductPage", schema: productPageSchema },
      "The product with its images, price, reviews, stock, shipping quotes and enriched recommendations (and, signed in, the customer's cart and orders).",
    ),
    problems: [400, 401, { status: 404, description: "No such product." }, 502, 503, 504],
  },
  getWishlist: {
    method: "get",
    path: "/api/wishlist",
    summary: "The signed-in customer's wishlist",
    description:
      'The customers call first, then one batched catalog call and one batched pricing call for the listed products. Customers or catalog failing: 502/503/504 (both are required); pricing failing: prices `null`, `degraded.prices = "empty"`.',
    tags: ["Products"],
    security: SECURITY_BEARER,
    requestHeaders: conditionalRequestHeaders,
    responses: compositeResponses(
      { name: "Wishlist", schema: wishlistSchema },
      "The wishlist's products with their names, images and prices.",
    ),
    problems: [401, { status: 404, description: "The shop knows no such customer." }, 502, 503, 504],
  },
  ...shopWriteOperations("/api"),
  getLive: {
    method: "get",
    path: LIVE_PATH,
    summary: "Live updates of one product (WebSocket)",
    description:
      'A WebSocket endpoint, not a plain HTTP one: open it with `Upgrade: websocket` (and an allowed `Origin`). The socket receives JSON text frames: `{"type":"status","live":true|false}` on joining and whenever the message broker is lost or back, `{"type":"inventory","productId","available","lowStock"}` and `{"type":"price","productId","amount","currency"}` as the shop publishes them. A plain GET is answered 400 explaining this (or 503 when live updates are off).',
    tags: ["Live updates"],
    security: SECURITY_NONE,
    query: liveQuerySchema,
    responses: {
      101: { description: "Switching Protocols: the socket is open.", headers: ["X-Request-Id"] },
    },
    problems: [
      { status: 400, description: "Not a WebSocket handshake, or a missing or bad `productId`." },
      { status: 403, description: "The handshake's `Origin` is not allowed." },
      {
        status: 503,
        description: "Live updates are off (no broker), or the instance holds all the sockets it may.",
      },
    ],
  },
  getOpenApiDocument: { ...openApiDocumentOperation(OPENAPI_PATH), tags: ["API description"] },
};
