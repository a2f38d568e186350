export { routeTemplate } from "@portico/core";

import type { z } from "zod";
import { productListSchema, productPathSchema, productSchema, productsQuerySchema } from "./schemas.js";

/** One served operation: the route table and the OpenAPI document are both built from these. */
export interface PartnerOperation {
  readonly method: "get";
  /** OpenAPI path template, e.g. `/v1/products/{id}`. */
  readonly path: string;
  readonly summary: string;
  readonly description: string;
  /** Needs an `X-API-Key` and counts against the key's quota. */
  readonly keyed: boolean;
  readonly pathParams?: z.ZodObject;
  readonly query?: z.ZodObject;
  /** The 200 answer's schema and its name under `components.schemas`; none for the document itself. */
  readonly response?: { readonly name: string; readonly schema: z.ZodType };
  /** Problem answers besides 401/429 (implied by `keyed`). */
  readonly problems: readonly number[];
}

export const OPERATIONS = {
  getProduct: {
    method: "get",
    path: "/v1/products/{id}",
    summary: "One product, with its price and availability",
    description:
      'The catalog is required (404 for an unknown id). Pricing and inventory are optional: when pricing fails the last known price is served (`degraded.price = "cache"`), else `price: null` (`"empty"`); when inventory fails `availability` is `unknown` (`degraded.availability = "empty"`).',
    keyed: true,
    pathParams: productPathSchema,
    response: { name: "Product", schema: productSchema },
    problems: [400, 404, 502, 503, 504],
  },
  listProducts: {
    method: "get",
    path: "/v1/products",
    summary: "Up to 50 products in one call",
    description:
      'Ids the catalog does not know are listed in `missing`. The catalog is required; when the pricing batch fails every price is `null` (`degraded.price = "empty"`); when inventory fails for an item its availability is `unknown` (that item\'s and the answer\'s `degraded.availability = "empty"`).',
    keyed: true,
    query: productsQuerySchema,
    response: { name: "ProductList", schema: productListSchema },
    problems: [400, 502, 503, 504],
  },
  getOpenApiDocument: {
    method: "get",
    path: "/v1/openapi.json",
    summary: "This OpenAPI 3.1 document",
    description: "Needs no API key.",
    keyed: false,
    problems: [],
  },
} as const satisfies Record<string, PartnerOperation>;

export type OperationId = keyof typeof OPERATIONS;
