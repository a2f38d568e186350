import type { z } from "zod";
import type { ServiceClient } from "../client/service-client.js";
import { encodePath } from "../client/transport.js";
import type { ServiceName } from "../config/services.js";
import type { RequestContext } from "../context.js";
import {
  type Cart,
  type Customer,
  cartSchema,
  customerSchema,
  type Order,
  ordersSchema,
  type PlacedOrder,
  type Price,
  type Product,
  placedOrderSchema,
  priceListSchema,
  priceSchema,
  productListSchema,
  productSchema,
  quotesSchema,
  type Recommendation,
  type Reviews,
  recommendationsSchema,
  reviewsSchema,
  type ShippingOption,
  type Stock,
  stockListSchema,
  stockSchema,
} from "./schemas.js";

/** What `placeOrder` sends the orders service (contract section 3). */
export interface OrderRequest {
  readonly customerId: string;
  readonly items: readonly { readonly productId: string; readonly quantity: number }[];
  readonly shippingMethod: string;
}

/** Options of {@link ShopApi}. */
export interface ShopApiOptions {
  /**
   * Whether inventory answers a list of ids in one call (`BatchGetStock`,
   * over gRPC). The contract's HTTP API has no batch stock endpoint, so
   * callers make one `stock` call per id unless this is true. Default false.
   */
  readonly batchStock?: boolean;
}

/** Batch calls take the ids joined by commas (the query string encoding escapes them). */
const idList = (ids: readonly string[]) => ids.join(",");

// The reads below are plain functions over the service client's promise,
// not async methods: an async method that returns a promise costs one more
// promise and two more microtask turns, on every upstream GET of every
// composite. A synchronous throw (an id `encodePath` refuses) is still a
// rejection, never a throw.
const itemsOf = <T>(answer: { items: T[] }): T[] => answer.items;
const optionsOf = (answer: { options: ShippingOption[] }): ShippingOption[] => answer.options;

/** GET `prefix` + `id` as one encoded path segment. */
function getById<S extends z.ZodType>(
  client: ServiceClient,
  ctx: RequestContext,
  prefix: string,
  id: string,
  schema: S,
): Promise<z.output<S>> {
  try {
    return client.get(ctx, prefix + encodePath`${id}`, schema);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** GET `path` with `query`; the answer, or what `pick` takes of it. */
function getWith<S extends z.ZodType, T = z.output<S>>(
  client: ServiceClient,
  ctx: RequestContext,
  path: string,
  schema: S,
  query: Readonly<Record<string, string | number>>,
  pick?: (answer: z.output<S>) => T,
): Promise<T> {
  try {
    const answer = client.get(ctx, path, schema, { query });
    return pick === undefined ? (answer as Promise<T>) : answer.then(pick);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The shop's internal APIs as typed functions, shared by every BFF. Ids
 * must already be validated; they are encoded again here regardless. Every
 * method answers a promise, so even a refused id is a rejected promise, never a throw.
 */
export class ShopApi {
  /** True when {@link stocks} is one inventory call (see {@link ShopApiOptions.batchStock}). */
  readonly batchStock: boolean;

  constructor(
    readonly clients: Readonly<Record<ServiceName, ServiceClient>>,
    { batchStock = false }: ShopApiOptions = {},
  ) {
    this.batchStock = batchStock;
  }

  product(ctx: RequestContext, id: string): Promise<Product> {
    return getById(this.clients.catalog, ctx, "/products/", id, productSchema);
  }

  products(ctx: RequestContext, ids: readonly string[]): Promise<Product[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return getWith(this.clients.catalog, ctx, "/products", productListSchema, { ids: idList(ids) }, itemsOf);
  }

  price(ctx: RequestContext, id: string): Promise<Price> {
    return getById(this.clients.pricing, ctx, "/prices/", id, priceSchema);
  }

  prices(ctx: RequestContext, ids: readonly string[]): Promise<Price[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return getWith(this.clients.pricing, ctx, "/prices", priceListSchema, { ids: idList(ids) }, itemsOf);
  }

  reviews(ctx: RequestContext, productId: string, limit: number): Promise<Reviews> {
    return getWith(this.clients.reviews, ctx, "/reviews", reviewsSchema, { productId, limit });
  }

  stock(ctx: RequestContext, productId: string): Promise<Stock> {
    return getById(this.clients.inventory, ctx, "/stock/", productId, stockSchema);
  }

  /**
   * The stock of several products in one inventory call (`BatchGetStock`
   * over gRPC; `GET /stock?ids=` over HTTP, which only the demo shop
   * serves): unknown ids are left out. Use it when {@link batchStock} is true.
   */
  stocks(ctx: RequestContext, ids: readonly string[]): Promise<Stock[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return getWith(this.clients.inventory, ctx, "/stock", stockListSchema, { ids: idList(ids) }, itemsOf);
  }

  shippingQuotes(ctx: RequestContext, productId: string): Promise<ShippingOption[]> {
    return getWith(this.clients.shipping, ctx, "/quotes", quotesSchema, { productId }, optionsOf);
  }

  recommendations(ctx: RequestContext, productId: string, limit: number): Promise<Recommendation[]> {
    const query = { productId, limit };
    return getWith(
      this.clients.recommendations,
      ctx,
      "/recommendations",
      recommendationsSchema,
      query,
      itemsOf,
    );
  }

  cart(ctx: RequestContext, customerId: string): Promise<Cart> {
    return getById(this.clients.cart, ctx, "/carts/", customerId, cartSchema);
  }

  orders(ctx: RequestContext, customerId: string, limit: number): Promise<Order[]> {
    return getWith(this.clients.orders, ctx, "/orders", ordersSchema, { customerId, limit }, itemsOf);
  }

  /**
   * Sets one cart line's quantity (0 removes it) and answers the cart. An
   * unknown product is `UpstreamNotFoundError` (reason `unknown_product`).
   */
  async setCartLine(
    ctx: RequestContext,
    customerId: string,
    productId: string,
    quantity: number,
  ): Promise<Cart> {
    return this.clients.cart.send(ctx, "PUT", encodePath`/carts/${customerId}/items/${productId}`, {
      body: { quantity },
      schema: cartSchema,
    });
  }

  /** Removes one cart line and answers the cart. */
  async removeCartLine(ctx: RequestContext, customerId: string, productId: string): Promise<Cart> {
    return this.clients.cart.send(ctx, "DELETE", encodePath`/carts/${customerId}/items/${productId}`, {
      schema: cartSchema,
    });
  }

  /**
   * Places an order; the orders service deduplicates by `idempotencyKey`
   * (the same key again answers the same order), so a client may retry
   * after an uncertain outcome. Out of stock is `UpstreamWriteRejectedError`
   * (409, reason `out_of_stock`).
   */
  async placeOrder(ctx: RequestContext, order: OrderRequest, idempotencyKey: string): Promise<PlacedOrder> {
    const { customerId, items, shippingMethod } = order;
    return this.clients.orders.send(ctx, "POST", "/orders", {
      body: { customerId, items, shippingMethod },
      headers: { "idempotency-key": idempotencyKey },
      schema: placedOrderSchema,
    });
  }

  /** One order with its lines and its customer; unknown: `UpstreamNotFoundError`. */
  async order(ctx: RequestContext, orderId: string): Promise<PlacedOrder> {
    return this.clients.orders.get(ctx, encodePath`/orders/${orderId}`, placedOrderSchema);
  }

  async customer(ctx: RequestContext, id: string): Promise<Customer> {
    return this.clients.customers.get(ctx, encodePath`/customers/${id}`, customerSchema);
  }
}
