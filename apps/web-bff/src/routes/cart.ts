import { type Cart, contextOf, type Gateway, jsonBody, requireId, sendJson } from "@portico/core";
import type { Request, Response } from "express";
import { z } from "zod";

/** `PUT /cart/items/{productId}`'s body (contract 2.6): 0 removes the line. */
export const cartLineBody = jsonBody(z.object({ quantity: z.number().int().min(0).max(99) }).strict());

/** The client's cart: its lines and count, never the customer id. */
function cartAnswer({ itemCount, items }: Cart) {
  return { cart: { itemCount, items: items.map(({ productId, quantity }) => ({ productId, quantity })) } };
}

/**
 * `PUT /cart/items/{productId}`: sets the signed-in customer's line (after
 * `cartLineBody`); an unknown product is the cart service's 404.
 */
export function setCartLine(gateway: Gateway) {
  return async function setCartLine(req: Request, res: Response): Promise<void> {
    const ctx = contextOf(res);
    const productId = requireId(req.params.productId, "productId");
    const { quantity } = cartLineBody.of(res);
    const cart = await gateway.shop.setCartLine(ctx, ctx.identity?.customerId as string, productId, quantity);
    sendJson(res, cartAnswer(cart));
  };
}

/** `DELETE /cart/items/{productId}`: removes the line (200 also when there was none). */
export function removeCartLine(gateway: Gateway) {
  return async function removeCartLine(req: Request, res: Response): Promise<void> {
    const ctx = contextOf(res);
    const productId = requireId(req.params.productId, "productId");
    const cart = await gateway.shop.removeCartLine(ctx, ctx.identity?.customerId as string, productId);
    sendJson(res, cartAnswer(cart));
  };
}
