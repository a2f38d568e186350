import { moneySchema } from "@portico/core";
import { z } from "zod";

/**
 * The partner API's zod schemas: the same objects validate requests, type
 * the answers and generate the OpenAPI document (api/openapi.ts), so the
 * document cannot drift from what is served. Money (and the problem document)
 * are core's, the same on every BFF.
 */

const ID = "[A-Za-z0-9_-]{1,64}";
const ID_TEXT = "^[A-Za-z0-9_-]{1,64}$";
/** Most ids one batch request may ask for. */
export const MAX_BATCH_IDS = 50;

export const productIdSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be given once") })
  .regex(new RegExp(`^${ID}$`), `must match ${ID_TEXT}`)
  .meta({ description: "A product id.", examples: ["p1"] });

export const productIdsSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be given once") })
  .regex(new RegExp(`^${ID}(,${ID}){0,${MAX_BATCH_IDS - 1}}$`), {
    error: (issue) =>
      typeof issue.input === "string" && issue.input.split(",").length > MAX_BATCH_IDS
        ? `must list at most ${MAX_BATCH_IDS} ids`
        : `must be comma-separated product ids, each matching ${ID_TEXT}`,
  })
  .transform((text) => [...new Set(text.split(","))])
  .meta({
    description: `1 to ${MAX_BATCH_IDS} comma-separated product ids; repeated ids are answered once.`,
    examples: ["p1,p2,p3"],
  });

/** `GET /v1/products/{id}` path parameters. */
export const productPathSchema = z.object({ id: productIdSchema });
/** `GET /v1/products` query parameters (others are ignored). */
export const productsQuerySchema = z.object({ ids: productIdsSchema });

export const imageSchema = z.object({
  url: z.string(),
  width: z.number(),
  height: z.number(),
});

export const availabilitySchema = z.enum(["in_stock", "low_stock", "out_of_stock", "unknown"]).meta({
  description:
    "`out_of_stock` at 0 units, `low_stock` up to the low-stock threshold (5 by default), `unknown` when inventory could not be had.",
});

export const degradedSchema = z
  .object({
    price: z.enum(["empty", "cache"]).optional().meta({
      description: "Prices could not be had: `cache` is the last known price, `empty` means `price: null`.",
    }),
    availability: z.enum(["empty"]).optional().meta({
      description: "Inventory could not be had: `availability` is `unknown`.",
    }),
  })
  .meta({ description: "Parts served by a fallback because their service failed; `{}` when all is fresh." });

export const productSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    brand: z.string(),
    images: z.array(imageSchema),
    price: moneySchema
      .nullable()
      .meta({ description: "`null` when the product has no price or pricing failed." }),
    availability: availabilitySchema,
    degraded: degradedSchema,
  })
  .meta({ description: "A product as partners see it." });

export const productListSchema = z
  .object({
    items: z.array(productSchema).meta({ description: "The products found, in the order asked." }),
    missing: z.array(z.string()).meta({ description: "Ids the catalog does not know, in the order asked." }),
    degraded: degradedSchema,
  })
  .meta({
    description:
      "A batch of products. The top-level `degraded` covers the whole answer: `price` when the pricing batch failed (every price is null), `availability` when inventory failed for at least one item (each such item says so in its own `degraded`).",
  });

export type Product = z.infer<typeof productSchema>;
export type ProductList = z.infer<typeof productListSchema>;
export type Availability = z.infer<typeof availabilitySchema>;
export type Degraded = z.infer<typeof degradedSchema>;
