import type { PartReport } from "../compose/composition-sink.js";
import type { DegradedKind } from "../resilience/fallback-policy.js";

/** One finished client request, as the HTTP layer reports it. */
export interface RequestRecord {
  readonly method: string;
  /** The route template (`/productdetails/:productId`), or `unmatched`. */
  readonly route: string;
  /** The path without its query (for the log line only, never a metric label). */
  readonly path: string;
  /** The answer's status; 499 when the client went away first. */
  readonly status: number;
  readonly durationMs: number;
  readonly requestId: string;
  readonly traceId: string;
  /** The request's compositions, when it ran any. */
  readonly parts?: readonly PartReport[] | undefined;
  readonly degraded?: Readonly<Record<string, DegradedKind>> | undefined;
  /** The `Server-Timing` header sent, for the log line. */
  readonly serverTiming?: string | undefined;
}

/** A finished request that ran compositions, kept for the dashboard's waterfall. */
export interface CompositeRecord extends RequestRecord {
  /** When it finished, on the observability's clock. */
  readonly at: number;
  readonly parts: readonly PartReport[];
}
