export type {
  AdminStatus,
  CompositeStatus,
  RouteStatus,
  UpstreamInstanceStatus,
  UpstreamStatus,
} from "./admin-status.js";
export {
  CompositionCapture,
  type CompositionSink,
  reportComposition,
  withCompositionSink,
} from "./composition-sink.js";
export {
  CACHE_STORE_KINDS,
  CIRCUIT_STATE_VALUE,
  GatewayMetrics,
  type GatewayMetricsOptions,
  UPSTREAM_OUTCOMES,
} from "./gateway-metrics.js";
export {
  GatewayObservability,
  type ObservabilityOptions,
  type ObservedClient,
  type Readiness,
  type RequestRecord,
} from "./gateway-observability.js";
export {
  createLogger,
  type Logger,
  type LoggerSettings,
  type LogLevel,
  REDACTED_PATHS,
  silentLogger,
} from "./logger.js";
export { RecentBuffer } from "./recent-requests.js";
export {
  type Percentiles,
  RollingWindow,
  type RollingWindowOptions,
  type WindowSeries,
  type WindowSummary,
} from "./rolling-window.js";
export { type FeedSubscriber, StatusFeed, type StatusFeedOptions } from "./status-feed.js";
export {
  type CacheStoreKind,
  combineObservers,
  outcomeOf,
  type UpstreamAttemptEvent,
  type UpstreamCallEvent,
  type UpstreamObserver,
  type UpstreamOutcome,
} from "./upstream-observer.js";
