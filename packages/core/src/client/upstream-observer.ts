import type { ServiceInstance } from "../discovery/service-registry.js";
import { isGatewayError } from "../errors/index.js";

/** How one upstream call or attempt ended, as metrics, logs and load balancing see it. */
export type UpstreamOutcome =
  /** An answer: 2xx, or a 4xx such as 404 or a write's 409 (the service works). */
  | "ok"
  /** 5xx, bad JSON, wrong shape, connection error. */
  | "error"
  | "timeout"
  /** Failed fast: the circuit is open. */
  | "short-circuited"
  /** Failed fast: the bulkhead is full or no instance is available. */
  | "rejected"
  /** The client went away or the deadline was gone before the call. */
  | "aborted";

/**
 * Which cache a lookup consulted: `fresh`, a service's fresh cache
 * (`<SERVICE>_CACHE_TTL_S`), or `lkg`, the last-known-good store behind
 * `cache` fallbacks (contract 2.5 exports both).
 */
export type CacheStoreKind = "fresh" | "lkg";

export interface UpstreamCallEvent {
  readonly service: string;
  readonly outcome: UpstreamOutcome;
  /** The whole call, retries included. */
  readonly durationMs: number;
  readonly error?: unknown;
}

export interface UpstreamAttemptEvent {
  readonly service: string;
  readonly instance: ServiceInstance;
  readonly outcome: UpstreamOutcome;
  readonly durationMs: number;
  /** The HTTP status, when an answer came. */
  readonly status?: number;
  /** Why a failed attempt failed (e.g. a refused connection ejects its instance at once). */
  readonly error?: unknown;
}

/**
 * Told what happens to upstream calls. Every hook is optional and must not
 * throw; it runs on the hot path, so it must be cheap. Coalesced joiners and
 * cache lookups (fresh and last-known-good) are not calls: they have hooks
 * of their own.
 */
export interface UpstreamObserver {
  /** Once per real upstream call, after its retries. */
  call?(event: UpstreamCallEvent): void;
  /** Once per attempt at one instance. */
  attempt?(event: UpstreamAttemptEvent): void;
  retry?(service: string): void;
  /**
   * A read of `service` was hedged (`sent`: one more attempt went out), or
   * its hedge answered first (`won`). Only with `<SERVICE>_HEDGE_AFTER_MS`.
   */
  hedge?(service: string, outcome: "sent" | "won"): void;
  /** A caller shared a call already in flight. */
  coalesced?(service: string): void;
  /**
   * A cache lookup for `service`'s data: in its fresh cache before a call
   * (`fresh`), or in the last-known-good store after a call failed (`lkg`;
   * a hit is a remembered value served as the `cache` fallback).
   */
  cacheLookup?(service: string, hit: boolean, store: CacheStoreKind): void;
}

/** Classifies a call's error (or `undefined` for success) by its code. */
export function outcomeOf(error: unknown): UpstreamOutcome {
  if (error === undefined) return "ok";
  if (!isGatewayError(error)) return "error";
  switch (error.code) {
    case "UPSTREAM_NOT_FOUND":
    case "UPSTREAM_REJECTED":
    case "UPSTREAM_WRITE_REJECTED":
      return "ok";
    case "UPSTREAM_TIMEOUT":
      return "timeout";
    case "CIRCUIT_OPEN":
      return "short-circuited";
    case "BULKHEAD_FULL":
    case "NO_INSTANCE":
      return "rejected";
    case "CLIENT_CLOSED":
    case "DEADLINE_EXCEEDED":
      return "aborted";
    default:
      return "error";
  }
}

/** One observer that tells each of `observers`, in order. */
export function combineObservers(...observers: readonly UpstreamObserver[]): UpstreamObserver {
  // Resolved once: each hook is called on every upstream call, so the
  // combined one loops over a fixed list with fixed arguments (no rest
  // array, no apply), and is the observer's own hook when only one has it.
  const hooks = <K extends keyof UpstreamObserver>(key: K): NonNullable<UpstreamObserver[K]>[] =>
    observers.flatMap((observer) => {
      const hook = observer[key];
      return hook === undefined ? [] : [hook.bind(observer) as NonNullable<UpstreamObserver[K]>];
    });
  const calls = hooks("call");
  const attempts = hooks("attempt");
  const retries = hooks("retry");
  const joins = hooks("coalesced");
  const hedges = hooks("hedge");
  const lookups = hooks("cacheLookup");
  return {
    call:
      calls.length === 1
        ? calls[0]
        : (event) => {
            for (const hook of calls) hook(event);
          },
    attempt:
      attempts.length === 1
        ? attempts[0]
        : (event) => {
            for (const hook of attempts) hook(event);
          },
    retry: (service) => {
      for (const hook of retries) hook(service);
    },
    coalesced: (service) => {
      for (const hook of joins) hook(service);
    },
    hedge: (service, outcome) => {
      for (const hook of hedges) hook(service, outcome);
    },
    cacheLookup: (service, hit, store) => {
      for (const hook of lookups) hook(service, hit, store);
    },
  };
}
