import { setFlagsFromString } from "node:v8";

/**
 * How far V8 may let the old generation grow past what its last full
 * collection kept, in per cent (`HEAP_GROWTH_PCT`); 0 leaves V8's own
 * heuristic.
 *
 * Why: under load a BFF promotes a steady stream of short-lived objects
 * (each request's state outlives a scavenge or two), and V8 sizes the next
 * full collection by its allocation rate, up to four times the live heap.
 * A gateway with 30 MB live then sat at 200-275 MB RSS between collections
 * (docs/performance.md, "Memory"); at 50 % it stays near 140 MB for a few
 * per cent of CPU. The flag is read at every full collection, so setting it
 * after start-up takes effect at the next one.
 *
 * A process started with its own `--heap-growing-percent` keeps it: the
 * operator's flag wins over the default. (Node refuses V8 flags in
 * `NODE_OPTIONS`, so the command line is the only place it can be.)
 */
export function limitHeapGrowth(percent: number): void {
  if (percent <= 0 || setByOperator()) return;
  setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}

function setByOperator(): boolean {
  return process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg));
}
