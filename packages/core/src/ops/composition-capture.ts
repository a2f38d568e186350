import type { CompositionSink, PartReport } from "../compose/composition-sink.js";
import type { DegradedKind } from "../resilience/fallback-policy.js";

/**
 * Collects the compositions of one request for its log line, the fallback
 * metrics and the dashboard's waterfall. The parts array is kept by
 * reference: parts aborted after a required one failed report a moment later.
 */
export class CompositionCapture implements CompositionSink {
  parts: readonly PartReport[] | undefined;
  degraded: Readonly<Record<string, DegradedKind>> | undefined;

  composed(parts: readonly PartReport[], degraded: Readonly<Record<string, DegradedKind>>): void {
    if (this.parts === undefined) {
      this.parts = parts;
      this.degraded = degraded;
      return;
    }
    this.parts = [...this.parts, ...parts];
    this.degraded = { ...this.degraded, ...degraded };
  }
}
