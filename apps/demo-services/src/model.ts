// The shapes the services answer with (contract section 3). Money is always an
// integer amount in minor units plus an ISO 4217 currency.

export interface Money {
  readonly amount: number;
  readonly currency: string;
}

export interface ProductImage {
  readonly url: string;
  readonly width: number;
  readonly height: number;
}

export interface Product {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly brand: string;
  readonly category: string;
  readonly images: readonly ProductImage[];
}

export interface Price {
  readonly productId: string;
  readonly amount: number;
  readonly currency: string;
  /** The list ("was") price; never below `amount`. */
  readonly listAmount: number;
}

export interface Review {
  readonly author: string;
  /** 1 to 5. */
  readonly rating: number;
  readonly title: string;
  readonly body: string;
  /** ISO-8601 UTC timestamp (`…Z`). */
  readonly date: string;
}

export interface Stock {
  readonly productId: string;
  readonly available: number;
}

export type ShippingMethod = "standard" | "express" | "freight" | "pickup";

export interface ShippingOption {
  readonly method: ShippingMethod;
  readonly cost: Money;
  readonly estimatedDays: number;
}

export type RecommendationReason = "bought-together" | "similar" | "trending";

export interface Recommendation {
  readonly productId: string;
  readonly reason: RecommendationReason;
}

export interface Customer {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly wishlist: readonly string[];
}

export interface CartItem {
  readonly productId: string;
  readonly quantity: number;
}

/** A customer's cart, as `GET /carts/{customerId}` answers it. */
export interface Cart {
  readonly customerId: string;
  readonly items: readonly CartItem[];
  /** The sum of the quantities, not the number of lines. */
  readonly itemCount: number;
}

export type OrderStatus = "placed" | "shipped" | "delivered" | "cancelled";

/** An order as `GET /orders?customerId=` lists it. */
export interface Order {
  readonly orderId: string;
  /** ISO-8601 UTC timestamp (`…Z`). */
  readonly placedAt: string;
  readonly status: OrderStatus;
  readonly total: Money;
}

/** An order as `GET /orders/{orderId}` answers it: the listed fields plus its owner and lines. */
export interface OrderDetails extends Order {
  readonly customerId: string;
  readonly items: readonly CartItem[];
}
