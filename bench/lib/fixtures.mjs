// The fake shop's fixed answers: the contract's internal shapes (section 3),
// sized like the demo shop's, valid for core's zod schemas. Every answer is
// built once per distinct URL and then served from memory, so the fakes cost
// as little as possible next to the gateway under test.

const AUTHORS = ["Alex M.", "Priya S.", "Jordan K.", "Mei L.", "Samuel O.", "Fatima R.", "Lukas B."];

/** The ids recommendations answer with (the web page then batches them). */
export const RECOMMENDED_IDS = Array.from({ length: 12 }, (_, i) => `p${i + 2}`);

export function product(id) {
  return {
    id,
    name: `Aurora Wireless Headphones ${id}`,
    description: "Over-ear headphones with active noise cancelling and 30 hours of battery.",
    brand: "Sonora",
    category: "audio",
    images: [1, 2, 3].map((n) => ({
      url: `https://img.shop.example/products/${id}/${n}.jpg`,
      width: 1200,
      height: 900,
    })),
  };
}

export function price(id) {
  return { productId: id, amount: 1999, currency: "USD", listAmount: 2499 };
}

export function reviews(productId, limit) {
  const count = Math.min(limit, 20);
  return {
    productId,
    average: 4.4,
    count: 120,
    items: Array.from({ length: count }, (_, i) => ({
      author: AUTHORS[i % AUTHORS.length],
      rating: 5 - (i % 3),
      title: `Review number ${i + 1}: does what it says`,
      body: "Comfortable for long sessions, the noise cancelling is excellent and the battery lasts all week.",
      date: `2026-01-${String((i % 28) + 1).padStart(2, "0")}T10:00:00Z`,
    })),
  };
}

export function stock(id) {
  return { productId: id, available: 3 };
}

export function quotes() {
  return {
    options: [
      { method: "standard", cost: { amount: 499, currency: "USD" }, estimatedDays: 5 },
      { method: "express", cost: { amount: 1299, currency: "USD" }, estimatedDays: 2 },
      { method: "overnight", cost: { amount: 2499, currency: "USD" }, estimatedDays: 1 },
    ],
  };
}

export function recommendations(limit) {
  return {
    items: RECOMMENDED_IDS.slice(0, limit).map((productId, i) => ({
      productId,
      reason: i % 2 === 0 ? "bought-together" : "similar",
    })),
  };
}

export function cart(customerId) {
  return {
    customerId,
    items: [
      { productId: "p2", quantity: 1 },
      { productId: "p5", quantity: 1 },
    ],
    itemCount: 2,
  };
}

export function orders(limit) {
  return {
    items: Array.from({ length: Math.min(limit, 10) }, (_, i) => ({
      orderId: `o${i + 1}`,
      placedAt: `2026-01-${String(28 - i).padStart(2, "0")}T00:00:00Z`,
      status: "shipped",
      total: { amount: 4999, currency: "USD" },
    })),
  };
}

export function customer(id) {
  return { id, name: "Ada Lovelace", email: "ada@example.com", wishlist: ["p2", "p3", "p4"] };
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const ids = (text) => (text ?? "").split(",").filter((id) => ID.test(id));
const limitOf = (params, fallback) => {
  const n = Number(params.get("limit") ?? fallback);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

/**
 * The answer of `service` to `url` (path and query), as a JSON value, or
 * undefined for a path the service does not have (404).
 */
export function answer(service, url) {
  const [path = "", search = ""] = url.split("?", 2);
  const params = new URLSearchParams(search);
  const tail = (prefix) => (path.startsWith(prefix) ? decodeURIComponent(path.slice(prefix.length)) : null);
  switch (service) {
    case "catalog": {
      if (path === "/products") return { items: ids(params.get("ids")).map(product) };
      const id = tail("/products/");
      return id !== null && ID.test(id) ? product(id) : undefined;
    }
    case "pricing": {
      if (path === "/prices") return { items: ids(params.get("ids")).map(price) };
      const id = tail("/prices/");
      return id !== null && ID.test(id) ? price(id) : undefined;
    }
    case "reviews":
      return path === "/reviews" ? reviews(params.get("productId") ?? "", limitOf(params, 10)) : undefined;
    case "inventory": {
      const id = tail("/stock/");
      return id !== null && ID.test(id) ? stock(id) : undefined;
    }
    case "shipping":
      return path === "/quotes" ? quotes() : undefined;
    case "recommendations":
      return path === "/recommendations" ? recommendations(limitOf(params, 10)) : undefined;
    case "cart": {
      const id = tail("/carts/");
      return id !== null && ID.test(id) ? cart(id) : undefined;
    }
    case "orders":
      return path === "/orders" ? orders(limitOf(params, 10)) : undefined;
    case "customers": {
      const id = tail("/customers/");
      return id !== null && ID.test(id) ? customer(id) : undefined;
    }
    case "auth":
      return path === "/.well-known/jwks.json" ? { keys: [] } : undefined;
    default:
      return undefined;
  }
}
