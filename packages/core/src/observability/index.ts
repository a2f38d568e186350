export type {
  AdminStatus,
  CompositeStatus,
  RouteStatus,
  UpstreamInstanceStatus,
  UpstreamStatus,
} from "./admin-status.js";
export {
  CACHE_STORE_KINDS,
  CIRCUIT_STATE_VALUE,
  GatewayMetrics,
  type GatewayMetricsOptions,
  UPSTREAM_OUTCOMES,
} from "./gateway-metrics.js";
export { GatewayObservability, type ObservabilityOptions } from "./gateway-observability.js";
export {
  closeLogger,
  createLogger,
  type Logger,
  type LoggerSettings,
  type LogLevel,
  REDACTED_PATHS,
  silentLogger,
} from "./logger.js";
export type { Readiness } from "./readiness.js";
export { RecentBuffer } from "./recent-requests.js";
export type { RequestRecord } from "./request-record.js";
export {
  type Percentiles,
  RollingWindow,
  type RollingWindowOptions,
  type WindowSeries,
  type WindowSummary,
} from "./rolling-window.js";
export { type FeedSubscriber, StatusFeed, type StatusFeedOptions } from "./status-feed.js";
export {
  createGatewayTracing,
  type GatewayTracing,
  type GatewayTracingOptions,
  TRACE_ATTRIBUTES,
  type TracedTransport,
} from "./tracing/index.js";
export type { ObservedClient } from "./upstream-stats.js";
