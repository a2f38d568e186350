import { z } from "zod";

/**
 * The internal services' answers (contract section 3), validated at the
 * boundary: an answer of another shape fails that part like a 5xx.
 * Unknown extra fields are dropped, so a service may grow without breaking us.
 */
const money = z.object({ amount: z.number().int(), currency: z.string().min(1) });

export const productSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  brand: z.string(),
  category: z.string(),
  images: z.array(z.object({ url: z.string(), width: z.number(), height: z.number() })),
});
export const productListSchema = z.object({ items: z.array(productSchema) });

export const priceSchema = z.object({
  productId: z.string(),
  amount: z.number().int(),
  currency: z.string().min(1),
  listAmount: z.number().int(),
});
export const priceListSchema = z.object({ items: z.array(priceSchema) });

export const reviewSchema = z.object({
  author: z.string(),
  rating: z.number(),
  title: z.string(),
  body: z.string(),
  date: z.string(),
});
export const reviewsSchema = z.object({
  productId: z.string(),
  average: z.number().nullable(),
  count: z.number().int().nonnegative(),
  items: z.array(reviewSchema),
});

export const stockSchema = z.object({ productId: z.string(), available: z.number().int() });
/** `BatchGetStock`'s answer over gRPC (`GET /stock?ids=` on the demo's HTTP API): unknown ids left out. */
export const stockListSchema = z.object({ items: z.array(stockSchema) });

export const shippingOptionSchema = z.object({
  method: z.string(),
  cost: money,
  estimatedDays: z.number(),
});
export const quotesSchema = z.object({ options: z.array(shippingOptionSchema) });

export const recommendationSchema = z.object({ productId: z.string(), reason: z.string() });
export const recommendationsSchema = z.object({ items: z.array(recommendationSchema) });

export const cartSchema = z.object({
  customerId: z.string(),
  items: z.array(z.object({ productId: z.string(), quantity: z.number().int() })),
  itemCount: z.number().int().nonnegative(),
});

const orderLine = z.object({ productId: z.string(), quantity: z.number().int() });

/** An order as listed by `GET /orders?customerId=` (no lines). */
export const orderSchema = z.object({
  orderId: z.string(),
  placedAt: z.string(),
  status: z.string(),
  total: money,
});
export const ordersSchema = z.object({ items: z.array(orderSchema) });

/**
 * One whole order: `POST /orders`'s answer (201, or 200 for a key seen
 * before) and `GET /orders/{orderId}`'s, which also names its customer.
 */
export const placedOrderSchema = orderSchema.extend({
  items: z.array(orderLine),
  customerId: z.string().optional(),
});

export const customerSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  wishlist: z.array(z.string()),
});

export type Money = z.infer<typeof money>;
export type Product = z.infer<typeof productSchema>;
export type Price = z.infer<typeof priceSchema>;
export type Review = z.infer<typeof reviewSchema>;
export type Reviews = z.infer<typeof reviewsSchema>;
export type Stock = z.infer<typeof stockSchema>;
export type ShippingOption = z.infer<typeof shippingOptionSchema>;
export type Recommendation = z.infer<typeof recommendationSchema>;
export type Cart = z.infer<typeof cartSchema>;
export type Order = z.infer<typeof orderSchema>;
export type PlacedOrder = z.infer<typeof placedOrderSchema>;
export type Customer = z.infer<typeof customerSchema>;
