import { idSchema, moneySchema } from "@portico/core";
import { z } from "zod";

/**
 * The mobile API's zod schemas (contract 2.2): the routes type their
 * answers with them (`z.infer`) and the OpenAPI document (api/openapi.ts)
 * is generated from them, so the document cannot drift from what is served.
 * The write routes' schemas are core's, shared with web-bff.
 */

/** `GET /productdetails/{productId}` path parameters. */
export const productDetailsPathSchema = z.object({
  productId: idSchema.meta({ description: "A product id.", examples: ["p1"] }),
});

/** `GET /productdetails?productid=` query parameters (others are ignored). */
export const productDetailsQuerySchema = z.object({
  productid: idSchema.meta({ description: "A product id.", examples: ["p1"] }),
});

const emptyOnly = z.enum(["empty"]);

export const productDetailsDegradedSchema = z
  .object({
    price: z.enum(["cache", "empty"]).optional().meta({
      description: "Pricing failed: `cache` is the last known price, `empty` means `product.price: null`.",
    }),
    reviews: emptyOnly
      .optional()
      .meta({ description: "Reviews failed: `{average: null, count: 0, top: []}`." }),
    inventory: emptyOnly.optional().meta({ description: "Inventory failed: `inventory: null`." }),
    shipping: emptyOnly.optional().meta({ description: "Shipping failed: `shipping: []`." }),
    recommendations: z
      .enum(["default"])
      .optional()
      .meta({ description: "Recommendations failed: the static top-ten list." }),
    cart: emptyOnly.optional().meta({ description: "Cart failed (signed in only): `cart: null`." }),
    orders: emptyOnly.optional().meta({ description: "Orders failed (signed in only): `orders: null`." }),
  })
  .meta({
    description:
      "Parts served by their fallback because their service failed, by part, with the kind of fallback; `{}` when every part is fresh.",
  });

export const shippingQuoteSchema = z.object({
  method: z.string().meta({ examples: ["standard"] }),
  cost: moneySchema,
  estimatedDays: z.number(),
});

export const productDetailsSchema = z
  .object({
    product: z.object({
      id: z.string(),
      name: z.string(),
      description: z.string(),
      imageUrl: z.string().nullable().meta({ description: "The first image's url; null when it has none." }),
      price: moneySchema.nullable().meta({ description: "`null` when there is no price or pricing failed." }),
    }),
    reviews: z.object({
      average: z.number().nullable(),
      count: z.number().int().nonnegative(),
      top: z
        .array(z.object({ author: z.string(), rating: z.number(), title: z.string() }))
        .max(3)
        .meta({ description: "The first 3 reviews, as the reviews service orders them." }),
    }),
    inventory: z
      .object({
        available: z.number().int(),
        lowStock: z.boolean().meta({ description: "`available <= LOW_STOCK_THRESHOLD` (5 by default)." }),
      })
      .nullable(),
    shipping: z.array(shippingQuoteSchema),
    recommendations: z
      .array(z.object({ productId: z.string(), reason: z.string() }))
      .max(10)
      .meta({ description: "The first 10; the static top-ten list when recommendations failed." }),
    cart: z
      .object({ itemCount: z.number().int().nonnegative() })
      .nullable()
      .meta({ description: "`null` for an anonymous caller (or when the cart failed)." }),
    orders: z
      .array(z.object({ orderId: z.string(), placedAt: z.string(), status: z.string() }))
      .max(3)
      .nullable()
      .meta({
        description: "The 3 newest; `null` for an anonymous caller (or when orders failed).",
      }),
    degraded: productDetailsDegradedSchema,
  })
  .meta({ description: "The product-details screen in one answer." });

/**
 * The reviews service's answer, relayed as it is by `GET /reviews`: open,
 * since the service may add fields.
 */
export const reviewsPageSchema = z
  .looseObject({
    productId: z.string(),
    average: z.number().nullable(),
    count: z.number().int().nonnegative(),
    items: z.array(
      z.looseObject({
        author: z.string(),
        rating: z.number(),
        title: z.string(),
        body: z.string(),
        date: z.string(),
      }),
    ),
  })
  .meta({ description: "The reviews service's answer, relayed as it is: newest first, `limit` of them." });

export type ProductDetails = z.infer<typeof productDetailsSchema>;
