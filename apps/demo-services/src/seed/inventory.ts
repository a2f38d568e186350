// Units available for p1..p24: p3, p6 and p18 are sold out; p1, p4, p9, p13
// and p24 are at or below the default low-stock threshold of 5.
const AVAILABLE: readonly number[] = [
  3, 42, 0, 5, 17, 0, 120, 26, 1, 64, 8, 14, 2, 33, 90, 55, 9, 0, 21, 37, 12, 48, 6, 4,
];

export function buildStock(productIds: readonly string[]): Record<string, number> {
  return Object.fromEntries(productIds.map((id, i) => [id, AVAILABLE[i] ?? 0]));
}
