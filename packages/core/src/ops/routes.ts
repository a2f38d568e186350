import type { Edge } from "../http/edge.js";
import type { GatewayObservability } from "../observability/gateway-observability.js";
import {
  adminEventsRoute,
  adminStatusRoute,
  dashboardPage,
  dashboardScript,
  dashboardStyles,
} from "./admin.js";
import { adminGuard } from "./admin-guard.js";
import { metricsRoute } from "./metrics.js";
import { readinessProbe } from "./readyz.js";

export interface OpsRoutesOptions {
  observability: GatewayObservability;
  /** `ADMIN_TOKEN`: guards `/admin*` when set. */
  adminToken: string | undefined;
}

/**
 * The operators' routes every BFF has (contract 2.5): `/readyz`,
 * `/metrics`, and `/admin` (dashboard), `/admin/status` (JSON),
 * `/admin/events` (live feed), the last three behind `ADMIN_TOKEN`.
 * Each serves GET and HEAD; another method is a 405 with `Allow: GET, HEAD`
 * (contract 6). The admin guard runs first: without the token, any method
 * on `/admin*` is a 401, so the methods served there are not disclosed.
 */
export function mountOpsRoutes(edge: Edge, { observability, adminToken }: OpsRoutesOptions): void {
  edge.guard("/admin", adminGuard({ token: adminToken, logger: observability.logger }));
  edge.opsRoutes({
    "/readyz": { get: readinessProbe(observability) },
    "/metrics": { get: metricsRoute(observability.metrics) },
    "/admin": { get: dashboardPage() },
    "/admin/dashboard.css": { get: dashboardStyles() },
    "/admin/dashboard.js": { get: dashboardScript() },
    "/admin/status": { get: adminStatusRoute(observability) },
    "/admin/events": { get: adminEventsRoute(observability.feed) },
  });
}
