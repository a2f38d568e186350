export {
  adminEventsRoute,
  adminStatusRoute,
  dashboardPage,
  dashboardScript,
  dashboardStyles,
} from "./admin.js";
export { type AdminGuardOptions, adminGuard } from "./admin-guard.js";
export { CompositionCapture } from "./composition-capture.js";
export { metricsRoute } from "./metrics.js";
export { readinessProbe } from "./readyz.js";
export { mountOpsRoutes, type OpsRoutesOptions } from "./routes.js";
export {
  type RequestTracker,
  type ShutdownOptions,
  shutdownGracefully,
  trackRequests,
} from "./shutdown.js";
