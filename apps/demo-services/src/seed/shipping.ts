import type { Price, Product, ShippingOption } from "../model.js";

const HEAVY = new Set(["p17", "p23"]);
const PICKUP_CATEGORIES = new Set(["kitchen", "outdoor", "furniture"]);
const FREE_STANDARD_FROM = 10_000;

function usd(amount: number) {
  return { amount, currency: "USD" };
}

// Rules rather than a table so every product gets plausible options:
// furniture ships only by freight, heavy goods add freight, expensive goods
// ship standard for free, some categories can be picked up in store.
function optionsFor(product: Product, price: Price | undefined): ShippingOption[] {
  const options: ShippingOption[] = [];
  const furniture = product.category === "furniture";
  if (!furniture) {
    const free = (price?.amount ?? 0) >= FREE_STANDARD_FROM;
    options.push({ method: "standard", cost: usd(free ? 0 : 499), estimatedDays: 5 });
    options.push({ method: "express", cost: usd(1299), estimatedDays: 2 });
  }
  if (furniture || HEAVY.has(product.id)) {
    options.push({ method: "freight", cost: usd(4999), estimatedDays: 10 });
  }
  if (PICKUP_CATEGORIES.has(product.category)) {
    options.push({ method: "pickup", cost: usd(0), estimatedDays: 1 });
  }
  return options;
}

export function buildShipping(
  products: readonly Product[],
  prices: readonly Price[],
): Record<string, ShippingOption[]> {
  const priceOf = new Map(prices.map((p) => [p.productId, p]));
  return Object.fromEntries(products.map((p) => [p.id, optionsFor(p, priceOf.get(p.id))]));
}
