import { z } from "zod";
import { idSchema } from "../http/input.js";
import type { Operation } from "./document.js";
import { SECURITY_BEARER } from "./operations.js";
import { moneySchema } from "./schemas.js";

/**
 * The write routes of contract 2.6 (`http/shop-write-routes.ts`), the same
 * on mobile-bff and web-bff: their bodies, their answers, and their
 * operations for either BFF's OpenAPI document.
 */

/** `PUT /cart/items/{productId}`'s body: 0 removes the line. */
export const cartLineRequestSchema = z
  .object({
    quantity: z.number().int().min(0).max(99).meta({ description: "0 removes the line." }),
  })
  .strict()
  .meta({ description: "The quantity the cart should hold of the product." });

/** `POST /orders`'s body (optional): shipping `standard` by default. */
export const orderRequestSchema = z
  .object({
    shippingMethod: z
      .enum(["standard", "express"])
      .default("standard")
      .meta({ description: "How the order is shipped." }),
  })
  .strict()
  .meta({ description: "How to ship the order; the lines are the customer's cart." });

/** The `Idempotency-Key` header of `POST /orders`. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,128}$/)
  .meta({
    description:
      "The client's key for this order: a retry with the same key (and the same body) within `IDEMPOTENCY_TTL_S` replays the first answer and places no second order. Scoped to the customer.",
    examples: ["order-2026-01-01-7f3a"],
  });

const lineSchema = z.object({
  productId: z.string(),
  quantity: z.number().int(),
});

/** The answer of `PUT` and `DELETE /cart/items/{productId}`: the customer's cart, never their id. */
export const cartAnswerSchema = z
  .object({
    cart: z.object({
      itemCount: z
        .number()
        .int()
        .nonnegative()
        .meta({ description: "Units in the cart, all lines together." }),
      items: z.array(lineSchema),
    }),
  })
  .meta({ description: "The signed-in customer's cart after the write." });

/** The answer of `POST /orders` and `GET /orders/{orderId}`: the order, never the customer id. */
export const orderAnswerSchema = z
  .object({
    order: z.object({
      orderId: z.string(),
      placedAt: z
        .string()
        .meta({ description: "ISO 8601 date and time.", examples: ["2026-01-01T00:00:00Z"] }),
      status: z.string().meta({
        description: "`placed` when placed; it may move on (e.g. `shipped`).",
        examples: ["placed"],
      }),
      total: moneySchema,
      items: z.array(lineSchema),
    }),
  })
  .meta({ description: "One of the signed-in customer's orders." });

export type CartAnswer = z.infer<typeof cartAnswerSchema>;
export type OrderAnswer = z.infer<typeof orderAnswerSchema>;

const productPath = z.object({
  productId: idSchema.meta({ description: "A product id.", examples: ["p1"] }),
});
const orderPath = z.object({ orderId: idSchema.meta({ description: "An order id." }) });
const orderHeaders = z.object({ "Idempotency-Key": idempotencyKeySchema });

const WRITE_HEADERS = ["X-Request-Id", "Server-Timing", "Cache-Control", "Vary"] as const;
const TAGS = ["Cart and orders"] as const;
const REPLAYED = ["Idempotent-Replayed"] as const;

/**
 * The four write operations of contract 2.6 under `prefix` (`""` on
 * mobile-bff, `"/api"` on web-bff), by operationId; `orderPath` is the
 * `Location` of a placed order.
 */
export function shopWriteOperations(prefix: string): Readonly<Record<string, Operation>> {
  const cart = { name: "CartAnswer", schema: cartAnswerSchema } as const;
  const order = { name: "OrderAnswer", schema: orderAnswerSchema } as const;
  return {
    setCartLine: {
      method: "put",
      path: `${prefix}/cart/items/{productId}`,
      summary: "Set the quantity of a product in the customer's cart",
      description:
        "Checked in this order: 401, 415, 413, 400 (the body is validated before any upstream call). An unknown product is the cart service's 404; a refusal of the cart service (4xx) is relayed with its status and reason in `detail`. Never retried by the BFF.",
      tags: TAGS,
      security: SECURITY_BEARER,
      pathParams: productPath,
      requestBody: { schema: { name: "CartLineRequest", schema: cartLineRequestSchema }, required: true },
      responses: { 200: { description: "The cart after the write.", body: cart, headers: WRITE_HEADERS } },
      problems: [
        400,
        401,
        { status: 404, description: "No such product." },
        409,
        413,
        415,
        422,
        502,
        503,
        504,
      ],
    },
    removeCartLine: {
      method: "delete",
      path: `${prefix}/cart/items/{productId}`,
      summary: "Remove a product from the customer's cart",
      description: "200 also when the cart had no such line.",
      tags: TAGS,
      security: SECURITY_BEARER,
      pathParams: productPath,
      responses: { 200: { description: "The cart after the write.", body: cart, headers: WRITE_HEADERS } },
      problems: [400, 401, 404, 409, 422, 502, 503, 504],
    },
    placeOrder: {
      method: "post",
      path: `${prefix}/orders`,
      summary: "Place an order with the lines of the customer's cart",
      description:
        "Reads the customer's cart, then places the order with its lines (an empty cart is 422 and nothing reaches orders). Needs an `Idempotency-Key`: within `IDEMPOTENCY_TTL_S` the same key replays the first answer (`Idempotent-Replayed: true`); the same key with another body is 422; the same key while its first request is in progress is 409 with `Retry-After`. 2xx and 4xx answers are kept, a 5xx or timeout is not: retry it with the same key.",
      tags: TAGS,
      security: SECURITY_BEARER,
      requestHeaders: orderHeaders,
      requestBody: {
        schema: { name: "OrderRequest", schema: orderRequestSchema },
        required: false,
        description: "Optional; without a body the order ships `standard`.",
      },
      responses: {
        201: {
          description: "The order was placed (or this is the kept answer of its key, replayed).",
          body: order,
          headers: [...WRITE_HEADERS, "Location", "Idempotent-Replayed"],
        },
      },
      // A kept 4xx is replayed too, with `Idempotent-Replayed: true`.
      problems: [
        { status: 400, description: "Invalid body, or a missing or malformed `Idempotency-Key`." },
        401,
        { status: 404, description: "A product of the cart is unknown to orders.", headers: REPLAYED },
        {
          status: 409,
          description:
            "The key's first request is still in progress (`Retry-After`), or a product is out of stock.",
          headers: REPLAYED,
        },
        413,
        415,
        {
          status: 422,
          description: "The cart is empty, or the key was used with another body.",
          headers: REPLAYED,
        },
        502,
        503,
        504,
      ],
    },
    getOrder: {
      method: "get",
      path: `${prefix}/orders/{orderId}`,
      summary: "One of the customer's orders",
      description: "Another customer's order, or an unknown one, is 404.",
      tags: TAGS,
      security: SECURITY_BEARER,
      pathParams: orderPath,
      responses: {
        200: {
          description: "The order; its status may have moved on.",
          body: order,
          headers: WRITE_HEADERS,
        },
      },
      problems: [400, 401, { status: 404, description: "No such order." }, 502, 503, 504],
    },
  };
}
