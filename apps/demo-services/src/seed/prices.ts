import type { Price } from "../model.js";

// [amount, listAmount] in US cents for p1..p24; listAmount > amount means "on sale".
const AMOUNTS: readonly (readonly [number, number])[] = [
  [1999, 2499],
  [4999, 4999],
  [8900, 9900],
  [3450, 3450],
  [2999, 3499],
  [7900, 7900],
  [1499, 1499],
  [11900, 13900],
  [24900, 24900],
  [2499, 2999],
  [39900, 44900],
  [29900, 29900],
  [3999, 3999],
  [12900, 14900],
  [3499, 3499],
  [2999, 2999],
  [19900, 22900],
  [1999, 1999],
  [24900, 27900],
  [5999, 5999],
  [34900, 34900],
  [4499, 4999],
  [49900, 54900],
  [59900, 59900],
];

export function buildPrices(productIds: readonly string[]): Price[] {
  return productIds.map((productId, i) => {
    const [amount, listAmount] = AMOUNTS[i] ?? [999, 999];
    return { productId, amount, currency: "USD", listAmount };
  });
}
