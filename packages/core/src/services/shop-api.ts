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
  type Price,
  type Product,
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
  stockSchema,
} from "./schemas.js";

/** Batch calls take the ids joined by commas (the query string encoding escapes them). */
const idList = (ids: readonly string[]) => ids.join(",");

/**
 * The shop's internal APIs as typed functions, shared by every BFF. Ids
 * must already be validated; they are encoded again here regardless. Every
 * method is async, so even a refused id is a rejected promise, never a throw.
 */
export class ShopApi {
  constructor(readonly clients: Readonly<Record<ServiceName, ServiceClient>>) {}

  async product(ctx: RequestContext, id: string): Promise<Product> {
    return this.clients.catalog.get(ctx, encodePath`/products/${id}`, productSchema);
  }

  async products(ctx: RequestContext, ids: readonly string[]): Promise<Product[]> {
    if (ids.length === 0) return [];
    const answer = await this.clients.catalog.get(ctx, "/products", productListSchema, {
      query: { ids: idList(ids) },
    });
    return answer.items;
  }

  async price(ctx: RequestContext, id: string): Promise<Price> {
    return this.clients.pricing.get(ctx, encodePath`/prices/${id}`, priceSchema);
  }

  async prices(ctx: RequestContext, ids: readonly string[]): Promise<Price[]> {
    if (ids.length === 0) return [];
    const answer = await this.clients.pricing.get(ctx, "/prices", priceListSchema, {
      query: { ids: idList(ids) },
    });
    return answer.items;
  }

  async reviews(ctx: RequestContext, productId: string, limit: number): Promise<Reviews> {
    return this.clients.reviews.get(ctx, "/reviews", reviewsSchema, { query: { productId, limit } });
  }

  async stock(ctx: RequestContext, productId: string): Promise<Stock> {
    return this.clients.inventory.get(ctx, encodePath`/stock/${productId}`, stockSchema);
  }

  async shippingQuotes(ctx: RequestContext, productId: string): Promise<ShippingOption[]> {
    const answer = await this.clients.shipping.get(ctx, "/quotes", quotesSchema, { query: { productId } });
    return answer.options;
  }

  async recommendations(ctx: RequestContext, productId: string, limit: number): Promise<Recommendation[]> {
    const answer = await this.clients.recommendations.get(ctx, "/recommendations", recommendationsSchema, {
      query: { productId, limit },
    });
    return answer.items;
  }

  async cart(ctx: RequestContext, customerId: string): Promise<Cart> {
    return this.clients.cart.get(ctx, encodePath`/carts/${customerId}`, cartSchema);
  }

  async orders(ctx: RequestContext, customerId: string, limit: number): Promise<Order[]> {
    const answer = await this.clients.orders.get(ctx, "/orders", ordersSchema, {
      query: { customerId, limit },
    });
    return answer.items;
  }

  async customer(ctx: RequestContext, id: string): Promise<Customer> {
    return this.clients.customers.get(ctx, encodePath`/customers/${id}`, customerSchema);
  }
}
