// Contract section 3, written out independently of the implementation's types
// so a drift between the two fails a test. Strict: no extra fields allowed.
import { z } from "zod";

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const isoUtc = z.iso.datetime();
const money = z.strictObject({ amount: z.number().int().min(0), currency: z.literal("USD") });

export const productSchema = z.strictObject({
  id,
  name: z.string().min(1),
  description: z.string().min(1),
  brand: z.string().min(1),
  category: z.string().min(1),
  images: z
    .array(
      z.strictObject({
        url: z.url(),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
      }),
    )
    .min(1),
});
export const productBatchSchema = z.strictObject({ items: z.array(productSchema) });

export const priceSchema = z.strictObject({
  productId: id,
  amount: z.number().int().min(0),
  currency: z.literal("USD"),
  listAmount: z.number().int().min(0),
});
export const priceBatchSchema = z.strictObject({ items: z.array(priceSchema) });

export const reviewsSchema = z.strictObject({
  productId: id,
  average: z.number().min(1).max(5).nullable(),
  count: z.number().int().min(0),
  items: z.array(
    z.strictObject({
      author: z.string().min(1),
      rating: z.number().int().min(1).max(5),
      title: z.string().min(1),
      body: z.string().min(1),
      date: isoUtc,
    }),
  ),
});

export const stockSchema = z.strictObject({ productId: id, available: z.number().int().min(0) });
/** Not in the contract table: the inventory batch, shaped like the catalog and pricing ones. */
export const stockBatchSchema = z.strictObject({ items: z.array(stockSchema) });

export const quotesSchema = z.strictObject({
  options: z.array(
    z.strictObject({
      method: z.enum(["standard", "express", "freight", "pickup"]),
      cost: money,
      estimatedDays: z.number().int().positive(),
    }),
  ),
});

export const recommendationsSchema = z.strictObject({
  items: z.array(
    z.strictObject({ productId: id, reason: z.enum(["bought-together", "similar", "trending"]) }),
  ),
});

export const cartSchema = z.strictObject({
  customerId: id,
  items: z.array(z.strictObject({ productId: id, quantity: z.number().int().positive() })),
  itemCount: z.number().int().min(0),
});

export const ordersSchema = z.strictObject({
  items: z.array(
    z.strictObject({
      orderId: z.string().min(1),
      placedAt: isoUtc,
      status: z.enum(["placed", "shipped", "delivered", "cancelled"]),
      total: money,
    }),
  ),
});

const orderLine = z.strictObject({ productId: id, quantity: z.number().int().positive() });

/** `POST /orders`, 201 and the 200 replay. */
export const placedOrderSchema = z.strictObject({
  orderId: id,
  placedAt: isoUtc,
  status: z.literal("placed"),
  total: money,
  items: z.array(orderLine).min(1),
});

/** `GET /orders/{orderId}`: the order with `customerId`. */
export const orderDetailsSchema = z.strictObject({
  orderId: id,
  customerId: id,
  placedAt: isoUtc,
  status: z.enum(["placed", "shipped", "delivered", "cancelled"]),
  total: money,
  items: z.array(orderLine),
});

export const customerSchema = z.strictObject({
  id,
  name: z.string().min(1),
  email: z.email(),
  wishlist: z.array(id),
});

export const tokenSchema = z.strictObject({
  access_token: z.string().regex(/^[\w-]+\.[\w-]+\.[\w-]+$/),
  token_type: z.literal("Bearer"),
  expires_in: z.number().int(),
});

export const jwksSchema = z.strictObject({
  keys: z
    .array(
      z.strictObject({
        kty: z.literal("EC"),
        crv: z.literal("P-256"),
        x: z.string().min(1),
        y: z.string().min(1),
        kid: z.string().min(1),
        alg: z.literal("ES256"),
        use: z.literal("sig"),
      }),
    )
    .length(1),
});

export const healthSchema = z.strictObject({ status: z.literal("ok"), service: z.string() });

export const errorSchema = z.object({ error: z.string() });
