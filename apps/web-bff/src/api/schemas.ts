import { idSchema, moneySchema } from "@portico/core";
import { z } from "zod";

/**
 * The web API's zod schemas (contract 2.3): the routes type their answers
 * with them (`z.infer`) and the OpenAPI document (api/openapi.ts) is
 * generated from them, so the document cannot drift from what is served.
 * The write routes' schemas are core's, shared with mobile-bff.
 */

/** `GET /api/product-page/{productId}` path parameters. */
export const productPagePathSchema = z.object({
  productId: idSchema.meta({ description: "A product id.", examples: ["p1"] }),
});

/** `/live` query parameters. */
export const liveQuerySchema = z.object({
  productId: idSchema.meta({
    description: "The product whose events the socket receives.",
    examples: ["p1"],
  }),
});

const emptyOnly = z.enum(["empty"]);

export const productPageDegradedSchema = z
  .object({
    price: z.enum(["cache", "empty"]).optional().meta({
      description: "Pricing failed: `cache` is the last known price, `empty` means `product.price: null`.",
    }),
    reviews: emptyOnly
      .optional()
      .meta({ description: "Reviews failed: `{average: null, count: 0, items: []}`." }),
    inventory: emptyOnly.optional().meta({ description: "Inventory failed: `inventory: null`." }),
    shipping: emptyOnly.optional().meta({ description: "Shipping failed: `shipping: []`." }),
    recommendations: z.enum(["default", "empty"]).optional().meta({
      description:
        "`default`: recommendations failed, the static top-ten list is shown; `empty`: the catalog batch for the recommended products failed, `recommendations: []`.",
    }),
    recommendationPrices: emptyOnly
      .optional()
      .meta({ description: "The pricing batch for the recommended products failed: each `price: null`." }),
    cart: emptyOnly.optional().meta({ description: "Cart failed (signed in only): `cart: null`." }),
    orders: emptyOnly.optional().meta({ description: "Orders failed (signed in only): `orders: null`." }),
  })
  .meta({
    description:
      "Parts served by their fallback because their service failed, by part, with the kind of fallback; `{}` when every part is fresh.",
  });

const lineSchema = z.object({ productId: z.string(), quantity: z.number().int() });

/** A product next to a list entry: its name, first image and price. */
export const catalogItemSchema = z
  .object({
    productId: z.string(),
    name: z.string(),
    imageUrl: z.string().nullable().meta({ description: "The first image's url; null when it has none." }),
    price: moneySchema
      .nullable()
      .meta({ description: "`null` when the product has no price or the pricing batch failed." }),
  })
  .meta({ description: "A product of a list, with what the page shows of it." });

export const productPageSchema = z
  .object({
    product: z.object({
      id: z.string(),
      name: z.string(),
      description: z.string(),
      brand: z.string(),
      category: z.string(),
      images: z.array(z.object({ url: z.string(), width: z.number(), height: z.number() })),
      price: z
        .object({
          amount: z.number().int().meta({ description: "Amount in minor units (cents)." }),
          currency: z.string().meta({ description: "ISO 4217 currency code.", examples: ["USD"] }),
          listAmount: z.number().int().meta({ description: "The list price, in minor units." }),
        })
        .nullable()
        .meta({ description: "`null` when there is no price or pricing failed." }),
    }),
    reviews: z.object({
      average: z.number().nullable(),
      count: z.number().int().nonnegative(),
      items: z
        .array(
          z.object({
            author: z.string(),
            rating: z.number(),
            title: z.string(),
            body: z.string(),
            date: z.string(),
          }),
        )
        .max(10)
        .meta({ description: "The first 10 reviews, as the reviews service orders them." }),
    }),
    inventory: z
      .object({
        available: z.number().int(),
        lowStock: z.boolean().meta({ description: "`available <= LOW_STOCK_THRESHOLD` (5 by default)." }),
      })
      .nullable(),
    shipping: z.array(
      z.object({
        method: z.string().meta({ examples: ["standard"] }),
        cost: moneySchema,
        estimatedDays: z.number(),
      }),
    ),
    recommendations: z
      .array(catalogItemSchema.extend({ reason: z.string() }))
      .max(10)
      .meta({
        description:
          "The first 10, with each product's name, image and price (a product the catalog batch left out is dropped).",
      }),
    cart: z
      .object({ itemCount: z.number().int().nonnegative(), items: z.array(lineSchema) })
      .nullable()
      .meta({ description: "`null` for an anonymous caller (or when the cart failed)." }),
    orders: z
      .array(z.object({ orderId: z.string(), placedAt: z.string(), status: z.string(), total: moneySchema }))
      .max(10)
      .nullable()
      .meta({ description: "The 10 newest; `null` for an anonymous caller (or when orders failed)." }),
    degraded: productPageDegradedSchema,
  })
  .meta({ description: "The web product page in one answer." });

export const wishlistSchema = z
  .object({
    items: z.array(catalogItemSchema).meta({
      description: "The wishlist's products, in its order (a product the catalog batch left out is dropped).",
    }),
    degraded: z
      .object({
        prices: emptyOnly.optional().meta({ description: "The pricing batch failed: each `price: null`." }),
      })
      .meta({ description: "`{}` when every part is fresh." }),
  })
  .meta({ description: "The signed-in customer's wishlist." });

export type ProductPage = z.infer<typeof productPageSchema>;
export type Wishlist = z.infer<typeof wishlistSchema>;
