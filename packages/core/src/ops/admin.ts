import type { ServerResponse } from "node:http";
import { type Answer, JSON_TYPE, NO_STORE, text } from "../http/answer.js";
import type { Step } from "../http/route-table.js";
import type { GatewayObservability } from "../observability/gateway-observability.js";
import type { StatusFeed } from "../observability/status-feed.js";
import { DASHBOARD_CSS, DASHBOARD_HTML } from "./dashboard-page.js";
import { DASHBOARD_JS } from "./dashboard-script.js";

/** A dashboard that stopped reading gets no more updates once this much is queued for it. */
const MAX_QUEUED_BYTES = 1024 * 1024;

/** `GET /admin/status`: per upstream and per route over the last minute, and the recent composites. */
export function adminStatusRoute(observability: GatewayObservability): Step {
  return function adminStatus(): Answer {
    return text(JSON.stringify(observability.status()), JSON_TYPE, 200, NO_STORE);
  };
}

/**
 * `GET /admin/events`: server-sent events, one `data:` line with the status
 * document about once a second (and at once when a circuit changes state).
 * The stream ends when the app shuts down; browsers reconnect by themselves.
 */
export function adminEventsRoute(feed: StatusFeed): Step {
  const headers = [
    "Content-Type",
    "text/event-stream; charset=utf-8",
    "Cache-Control",
    "no-store",
    // Proxies (nginx) must not buffer the stream.
    "X-Accel-Buffering",
    "no",
  ];
  return function adminEvents(exchange): Answer {
    if (exchange.method === "HEAD") return { status: 200, headers };
    return {
      status: 200,
      headers,
      body(res: ServerResponse) {
        res.flushHeaders();
        res.write("retry: 2000\n\n");
        const unsubscribe = feed.subscribe({
          send(payload) {
            if (res.writableLength > MAX_QUEUED_BYTES) return;
            res.write(`data: ${payload}\n\n`);
          },
          end() {
            res.end();
          },
        });
        res.once("close", unsubscribe);
      },
    };
  };
}

function asset(body: string, type: string): Step {
  // The ops routes are no-store (contract 2.8): the dashboard is small and served from memory.
  const answer = text(body, type, 200, NO_STORE);
  return () => answer;
}

/** `GET /admin`, `/admin/dashboard.css`, `/admin/dashboard.js`: the live dashboard, served from memory. */
export const dashboardPage = (): Step => asset(DASHBOARD_HTML, "text/html; charset=utf-8");
export const dashboardStyles = (): Step => asset(DASHBOARD_CSS, "text/css; charset=utf-8");
export const dashboardScript = (): Step => asset(DASHBOARD_JS, "text/javascript; charset=utf-8");
