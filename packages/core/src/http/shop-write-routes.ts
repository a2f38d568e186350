import { CartEmptyError, NotFoundError } from "../errors/index.js";
import type { Gateway } from "../gateway.js";
import {
  type CartAnswer,
  cartLineRequestSchema,
  type OrderAnswer,
  orderRequestSchema,
} from "../openapi/shop-writes.js";
import type { Cart, PlacedOrder } from "../services/schemas.js";
import { type Answer, json, NO_STORE } from "./answer.js";
import type { Exchange } from "./exchange.js";
import { idempotentRoute } from "./idempotent-route.js";
import { requireId } from "./input.js";
import { jsonBody } from "./json-body.js";
import type { Step } from "./route-table.js";

// The shop's write routes of contract 2.6, the same on every BFF that takes
// writes (mobile and web): the customer is the token's alone, the answers
// never carry the customer id. A BFF mounts them behind its authentication.

/** `PUT /cart/items/{productId}`'s body (contract 2.6): 0 removes the line. */
// The schemas are the OpenAPI document's (`openapi/shop-writes.ts`): what is validated is what is described.
export const cartLineBody = jsonBody(cartLineRequestSchema);

/** The client's cart: its lines and count, never the customer id. */
function cartAnswer({ itemCount, items }: Cart): CartAnswer {
  return { cart: { itemCount, items: items.map(({ productId, quantity }) => ({ productId, quantity })) } };
}

/**
 * `PUT /cart/items/{productId}`: sets the signed-in customer's line (after
 * `cartLineBody`); an unknown product is the cart service's 404.
 */
export function setCartLineRoute(gateway: Gateway): Step {
  return async function setCartLine(exchange: Exchange): Promise<Answer> {
    const { ctx } = exchange;
    const productId = requireId(exchange.params.productId, "productId");
    const { quantity } = cartLineBody.of(exchange);
    const cart = await gateway.shop.setCartLine(ctx, ctx.identity?.customerId as string, productId, quantity);
    return json(cartAnswer(cart), 200, NO_STORE);
  };
}

/** `DELETE /cart/items/{productId}`: removes the line (200 also when there was none). */
export function removeCartLineRoute(gateway: Gateway): Step {
  return async function removeCartLine(exchange: Exchange): Promise<Answer> {
    const { ctx } = exchange;
    const productId = requireId(exchange.params.productId, "productId");
    const cart = await gateway.shop.removeCartLine(ctx, ctx.identity?.customerId as string, productId);
    return json(cartAnswer(cart), 200, NO_STORE);
  };
}

/** `POST /orders`'s body (contract 2.6): optional, shipping `standard` by default. */
export const orderBody = jsonBody(orderRequestSchema, { optional: true });

/** The client's order: never the customer id. */
function orderAnswer({ orderId, placedAt, status, total, items }: PlacedOrder): OrderAnswer {
  return {
    order: {
      orderId,
      placedAt,
      status,
      total,
      items: items.map(({ productId, quantity }) => ({ productId, quantity })),
    },
  };
}

/**
 * `POST /orders` (after `orderBody`): reads the customer's cart and places
 * the order with its lines, under the client's `Idempotency-Key` (kept,
 * replayed and forwarded to the orders service). An empty cart is 422 and
 * nothing reaches orders. `orderPath` is this BFF's own path of the order.
 */
export function placeOrderRoute(gateway: Gateway, orderPath: (orderId: string) => string): Step {
  const { shop, config, idempotency } = gateway;
  return idempotentRoute(
    {
      store: idempotency,
      requestDeadlineMs: config.requestDeadlineMs,
      ttlS: config.idempotencyTtlS,
      bodyOf: orderBody.rawOf,
    },
    async (exchange, key) => {
      const { ctx } = exchange;
      const customerId = ctx.identity?.customerId as string;
      const { shippingMethod } = orderBody.of(exchange);
      const cart = await shop.cart(ctx, customerId);
      if (cart.items.length === 0) throw new CartEmptyError();
      const order = await shop.placeOrder(ctx, { customerId, items: cart.items, shippingMethod }, key);
      return { status: 201, headers: { Location: orderPath(order.orderId) }, body: orderAnswer(order) };
    },
  );
}

/** `GET /orders/{orderId}`: the customer's own order; another's, or an unknown one, is 404. */
export function orderRoute(gateway: Gateway): Step {
  return async function order(exchange: Exchange): Promise<Answer> {
    const { ctx } = exchange;
    const orderId = requireId(exchange.params.orderId, "orderId");
    const placed = await gateway.shop.order(ctx, orderId);
    if (placed.customerId !== ctx.identity?.customerId) throw new NotFoundError("No such order");
    return json(orderAnswer(placed));
  };
}
