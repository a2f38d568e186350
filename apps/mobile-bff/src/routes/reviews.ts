import { type Gateway, idSchema, passThrough, type Step } from "@portico/core";
import { z } from "zod";

/** What the mobile app may ask the reviews service directly; anything else is dropped or a 400. */
export const reviewsQuery = z.object({
  productId: idSchema,
  limit: z
    .string()
    .regex(/^\d{1,3}$/, "must be a whole number from 1 to 50")
    .transform(Number)
    .pipe(z.number().int().min(1).max(50))
    .optional(),
});

/** `GET /reviews?productId=&limit=`: relayed to the reviews service as it is (contract 2.2). */
export function reviewsPassThrough(gateway: Gateway): Step {
  return passThrough({ client: gateway.clients.reviews, path: "/reviews", query: reviewsQuery });
}
