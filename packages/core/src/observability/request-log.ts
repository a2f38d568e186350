import type { Logger } from "./logger.js";
import type { RequestRecord } from "./request-record.js";

/** The one log line of a finished client request: `info`, or `warn` for a 5xx. */
export function logRequest(logger: Logger, record: RequestRecord, method: string): void {
  const { status, degraded } = record;
  const level = status >= 500 ? "warn" : "info";
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      requestId: record.requestId,
      traceId: record.traceId,
      method,
      route: record.route,
      path: record.path,
      status,
      durationMs: Math.round(record.durationMs * 10) / 10,
      ...(degraded === undefined ? {} : { degraded }),
      ...(record.serverTiming === undefined ? {} : { serverTiming: record.serverTiming }),
    },
    "request",
  );
}
