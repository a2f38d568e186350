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

// The reads are promise handlers over the service client's promise, not
// async functions: an async method that returns a promise costs a promise
// and two more microtask turns, on every upstream GET of every composite.
const itemsOf = <T>(answer: { items: T[] }): T[] => answer.items;
const optionsOf = (answer: { options: ShippingOption[] }): ShippingOption[] => answer.options;

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
    try {
      return this.clients.catalog.get(ctx, encodePath`/products/${id}`, productSchema);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  products(ctx: RequestContext, ids: readonly string[]): Promise<Product[]> {
    if (ids.length === 0) return Promise.resolve([]);
    try {
      return this.clients.catalog
        .get(ctx, "/products", productListSchema, { query: { ids: idList(ids) } })
        .then(itemsOf);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  price(ctx: RequestContext, id: string): Promise<Price> {
    try {
      return this.clients.pricing.get(ctx, encodePath`/prices/${id}`, priceSchema);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  prices(ctx: RequestContext, ids: readonly string[]): Promise<Price[]> {
    if (ids.length === 0) return Promise.resolve([]);
    try {
      return this.clients.pricing
        .get(ctx, "/prices", priceListSchema, { query: { ids: idList(ids) } })
        .then(itemsOf);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  reviews(ctx: RequestContext, productId: string, limit: number): Promise<Reviews> {
    try {
      return this.clients.reviews.get(ctx, "/reviews", reviewsSchema, { query: { productId, limit } });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  stock(ctx: RequestContext, productId: string): Promise<Stock> {
    try {
      return this.clients.inventory.get(ctx, encodePath`/stock/${productId}`, stockSchema);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The stock of several products in one inventory call (`BatchGetStock`
   * over gRPC; `GET /stock?ids=` over HTTP, which only the demo shop
   * serves): unknown ids are left out. Use it when {@link batchStock} is true.
   */
  stocks(ctx: RequestContext, ids: readonly string[]): Promise<Stock[]> {
    if (ids.length === 0) return Promise.resolve([]);
    try {
      return this.clients.inventory
        .get(ctx, "/stock", stockListSchema, { query: { ids: idList(ids) } })
        .then(itemsOf);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  shippingQuotes(ctx: RequestContext, productId: string): Promise<ShippingOption[]> {
    try {
      return this.clients.shipping
        .get(ctx, "/quotes", quotesSchema, { query: { productId } })
        .then(optionsOf);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  recommendations(ctx: RequestContext, productId: string, limit: number): Promise<Recommendation[]> {
    try {
      return this.clients.recommendations
        .get(ctx, "/recommendations", recommendationsSchema, { query: { productId, limit } })
        .then(itemsOf);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  cart(ctx: RequestContext, customerId: string): Promise<Cart> {
    try {
      return this.clients.cart.get(ctx, encodePath`/carts/${customerId}`, cartSchema);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  orders(ctx: RequestContext, customerId: string, limit: number): Promise<Order[]> {
    try {
      return this.clients.orders
        .get(ctx, "/orders", ordersSchema, { query: { customerId, limit } })
        .then(itemsOf);
    } catch (error) {
      return Promise.reject(error);
    }
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
