/** One decimal, as every number of the status document is shown. */
export function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** `part` of `whole` in percent, one decimal; 0 of nothing is 0. */
export function pct(part: number, whole: number): number {
  return whole === 0 ? 0 : round((part / whole) * 100);
}
