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
  if (percent <= 0 || setByOperator(/^--heap[-_]growing[-_]percent\b/)) return;
  setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}

/**
 * Lets V8 grow the young generation to its full size in one step instead
 * of doubling it, so a BFF that comes out of a quiet spell is at full speed
 * within a few scavenges.
 *
 * Why: after about 8 s without allocation V8 shrinks the young generation
 * to its minimum (1 MB a semi-space), and it grows back only by doubling,
 * each time a scavenge's survivors since the last growth exceed its size.
 * A BFF keeps only its requests in progress alive across a scavenge (about
 * 0.5 MB at 50 connections), so after a 40 s pause the way back to 16 MB
 * took the first 3 s of full load, with scavenges up to 16 times as often:
 * mobile-bff's pass-through served 4,373 requests a second then, 5,867
 * once grown (docs/performance.md, "Memory"). The maximum size, and so the
 * memory used under load, is unchanged. The flag is read at every growth,
 * so setting it after start-up works.
 *
 * A process started with its own `--semi-space-growth-factor` keeps it.
 */
export function growNewSpaceAtOnce(): void {
  if (setByOperator(/^--semi[-_]space[-_]growth[-_]factor\b/)) return;
  setFlagsFromString("--semi-space-growth-factor=16");
}

/**
 * Keeps V8 from allocating straight into the old generation at the places
 * where a slower route's objects once lived long ("allocation-site
 * pretenuring"), so a request's objects are born young on every route.
 *
 * Why: V8 watches each allocation site and, once most of what it allocated
 * survived scavenges, allocates there in the old generation. A BFF's sites
 * are shared by all its routes, and a composite's requests live for tens of
 * milliseconds, long enough to survive a scavenge: 3 s of product details
 * made V8 tenure 33 sites, the edge's and the client's. The pass-through's
 * requests, done in a few milliseconds, then started their lives in the old
 * generation, dead there at once but holding their young parts alive until
 * the next full collection: mobile-bff promoted 100-212 MB in 8 s of
 * pass-through instead of 21-24, ran 19-30 full collections instead of 4,
 * and spent 142-168 µs of CPU a request instead of 113-134
 * (docs/performance.md, "Memory"). Objects that do live long, caches and
 * connections, are promoted by scavenges as before. The decision is made
 * at each collection, so setting it after start-up works.
 *
 * A process started with its own `--allocation-site-pretenuring` (or its
 * `--no-` form) keeps it.
 */
export function disablePretenuring(): void {
  if (setByOperator(/^--(no[-_])?allocation[-_]site[-_]pretenuring\b/)) return;
  setFlagsFromString("--no-allocation-site-pretenuring");
}

function setByOperator(flag: RegExp): boolean {
  return process.execArgv.some((arg) => flag.test(arg));
}
