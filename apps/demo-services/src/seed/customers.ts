import type { CartItem, Customer, Order } from "../model.js";

export function buildCustomers(): Customer[] {
  return [
    { id: "c1", name: "Ada Lovelace", email: "ada@example.com", wishlist: ["p2", "p5", "p9", "p14"] },
    {
      id: "c2",
      name: "Grace Hopper",
      email: "grace@example.com",
      wishlist: ["p1", "p3", "p7", "p12", "p20"],
    },
    { id: "c3", name: "Alan Turing", email: "alan@example.com", wishlist: ["p4", "p6", "p24"] },
  ];
}

export function buildCarts(): Record<string, CartItem[]> {
  return {
    c1: [
      { productId: "p1", quantity: 1 },
      { productId: "p7", quantity: 1 },
    ],
    // More lines than units would be wrong: itemCount sums quantities (6), not lines (3).
    c2: [
      { productId: "p3", quantity: 2 },
      { productId: "p10", quantity: 1 },
      { productId: "p15", quantity: 3 },
    ],
    c3: [],
  };
}

function usd(amount: number) {
  return { amount, currency: "USD" };
}

/** Orders per customer, newest first. */
export function buildOrders(): Record<string, Order[]> {
  return {
    c1: [
      { orderId: "o7", placedAt: "2026-01-18T09:30:00Z", status: "placed", total: usd(5498) },
      { orderId: "o6", placedAt: "2026-01-11T16:05:00Z", status: "shipped", total: usd(2999) },
      { orderId: "o5", placedAt: "2025-12-29T11:42:00Z", status: "delivered", total: usd(24900) },
      { orderId: "o4", placedAt: "2025-12-02T08:15:00Z", status: "delivered", total: usd(1999) },
      { orderId: "o3", placedAt: "2025-11-14T19:50:00Z", status: "cancelled", total: usd(8900) },
      { orderId: "o2", placedAt: "2025-10-21T13:00:00Z", status: "delivered", total: usd(3450) },
      { orderId: "o1", placedAt: "2025-09-30T10:10:00Z", status: "delivered", total: usd(12900) },
    ],
    c2: [
      { orderId: "o9", placedAt: "2026-01-05T14:00:00Z", status: "shipped", total: usd(7398) },
      { orderId: "o8", placedAt: "2025-11-20T09:00:00Z", status: "delivered", total: usd(39900) },
    ],
    c3: [],
  };
}

/**
 * The lines of each seed order, by order id (`GET /orders/{orderId}`). Past
 * orders were priced on their day, so totals need not match today's prices.
 */
export function buildOrderItems(): Record<string, CartItem[]> {
  const one = (productId: string, quantity = 1): CartItem => ({ productId, quantity });
  return {
    o7: [one("p1"), one("p15")],
    o6: [one("p5")],
    o5: [one("p9")],
    o4: [one("p1")],
    o3: [one("p3")],
    o2: [one("p4")],
    o1: [one("p14")],
    o9: [one("p7", 2), one("p22")],
    o8: [one("p11")],
  };
}
