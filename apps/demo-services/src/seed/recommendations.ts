import type { Product, Recommendation } from "../model.js";

// Hand-picked pairs so the demo reads naturally (headphones -> their case).
const BOUGHT_TOGETHER: Record<string, readonly string[]> = {
  p1: ["p7", "p21", "p2"],
  p2: ["p10", "p1"],
  p4: ["p6", "p20"],
  p5: ["p20", "p6"],
  p8: ["p10", "p19", "p18"],
  p9: ["p22", "p10"],
  p11: ["p12", "p13", "p23"],
  p12: ["p11", "p13"],
  p14: ["p15", "p13"],
  p16: ["p18", "p17"],
};

// Covers every product, so every list can always be filled.
const TRENDING = [
  "p19",
  "p14",
  "p5",
  "p2",
  "p8",
  "p17",
  "p12",
  "p21",
  "p1",
  "p10",
  "p23",
  "p3",
  "p13",
  "p16",
  "p4",
  "p9",
  "p20",
  "p15",
  "p6",
  "p11",
  "p18",
  "p22",
  "p7",
  "p24",
];

/** How many recommendations a product has: 12 for p1..p10, 6 for the rest. */
function countFor(index: number): number {
  return index < 10 ? 12 : 6;
}

export function buildRecommendations(products: readonly Product[]): Record<string, Recommendation[]> {
  return Object.fromEntries(
    products.map((product, index) => {
      const seen = new Set([product.id]);
      const out: Recommendation[] = [];
      const add = (productId: string, reason: Recommendation["reason"]) => {
        if (seen.has(productId) || out.length >= countFor(index)) return;
        seen.add(productId);
        out.push({ productId, reason });
      };
      for (const id of BOUGHT_TOGETHER[product.id] ?? []) add(id, "bought-together");
      for (const other of products) if (other.category === product.category) add(other.id, "similar");
      for (const id of TRENDING) add(id, "trending");
      return [product.id, out];
    }),
  );
}
