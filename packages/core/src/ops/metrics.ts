import { text } from "../http/answer.js";
import type { Step } from "../http/route-table.js";
import type { GatewayMetrics } from "../observability/gateway-metrics.js";

/** `GET /metrics`: the BFF's Prometheus metrics in the text exposition format. */
export function metricsRoute(metrics: GatewayMetrics): Step {
  return async function metricsRoute() {
    return text(await metrics.text(), metrics.contentType, 200, ["Cache-Control", "no-store"]);
  };
}
