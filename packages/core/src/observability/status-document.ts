import type { AdminStatus, CompositeStatus, RouteStatus, UpstreamStatus } from "./admin-status.js";
import type { LoopDelay } from "./event-loop-delay.js";
import type { CompositeRecord } from "./request-record.js";
import { round } from "./status-numbers.js";

/** What the status document is made of, each part already read. */
export interface StatusParts {
  readonly app: string;
  /** Now and the start, on the observability's wall clock. */
  readonly now: number;
  readonly startedAt: number;
  readonly ready: boolean;
  readonly shuttingDown: boolean;
  /** Length of the rolling windows, in ms. */
  readonly windowMs: number;
  readonly inFlightRequests: number;
  readonly eventLoopLagMs: LoopDelay;
  readonly upstreams: Record<string, UpstreamStatus>;
  readonly routes: RouteStatus[];
  /** Newest first. */
  readonly recent: readonly CompositeRecord[];
  /** Slowest first. */
  readonly slowest: readonly CompositeRecord[];
}

/** The `/admin/status` document (and each event of the live feed), with the process's memory now. */
export function statusDocument(parts: StatusParts): AdminStatus {
  const { now } = parts;
  const memory = process.memoryUsage();
  return {
    app: parts.app,
    time: new Date(now).toISOString(),
    uptimeS: Math.round((now - parts.startedAt) / 1000),
    ready: parts.ready,
    shuttingDown: parts.shuttingDown,
    windowS: parts.windowMs / 1000,
    process: {
      inFlightRequests: parts.inFlightRequests,
      eventLoopLagMs: parts.eventLoopLagMs,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
    },
    upstreams: parts.upstreams,
    routes: parts.routes,
    recent: parts.recent.map(compositeStatus),
    slowest: parts.slowest.map(compositeStatus),
  };
}

/** A composite request for the waterfall: its parts in the order they started. */
function compositeStatus(record: CompositeRecord): CompositeStatus {
  return {
    at: new Date(record.at).toISOString(),
    requestId: record.requestId,
    traceId: record.traceId,
    method: record.method,
    route: record.route,
    status: record.status,
    durationMs: round(record.durationMs),
    degraded: record.degraded ?? {},
    parts: [...record.parts]
      .sort((a, b) => a.startMs - b.startMs)
      .map((part) => ({
        name: part.name,
        startMs: round(part.startMs),
        durationMs: round(part.durationMs),
        outcome: part.outcome,
      })),
  };
}
