import type { Request, RequestHandler, Response } from "express";
import type { GatewayObservability } from "../observability/gateway-observability.js";
import type { StatusFeed } from "../observability/status-feed.js";
import { DASHBOARD_CSS, DASHBOARD_HTML } from "./dashboard-page.js";
import { DASHBOARD_JS } from "./dashboard-script.js";

/** A dashboard that stopped reading gets no more updates once this much is queued for it. */
const MAX_QUEUED_BYTES = 1024 * 1024;

/** `GET /admin/status`: per upstream and per route over the last minute, and the recent composites. */
export function adminStatusRoute(observability: GatewayObservability): RequestHandler {
  return function adminStatus(_req: Request, res: Response): void {
    res.setHeader("Cache-Control", "no-store");
    res.type("application/json").send(JSON.stringify(observability.status()));
  };
}

/**
 * `GET /admin/events`: server-sent events, one `data:` line with the status
 * document about once a second (and at once when a circuit changes state).
 * The stream ends when the app shuts down; browsers reconnect by themselves.
 */
export function adminEventsRoute(feed: StatusFeed): RequestHandler {
  return function adminEvents(req: Request, res: Response): void {
    res.status(200);
    res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-store");
    // Proxies (nginx) must not buffer the stream.
    res.setHeader("X-Accel-Buffering", "no");
    if (req.method === "HEAD") {
      res.end();
      return;
    }
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
  };
}

function asset(body: string, type: string): RequestHandler {
  return function dashboardAsset(_req: Request, res: Response): void {
    res.setHeader("Cache-Control", "no-cache");
    res.type(type).send(body);
  };
}

/** `GET /admin`, `/admin/dashboard.css`, `/admin/dashboard.js`: the live dashboard, served from memory. */
export const dashboardPage = (): RequestHandler => asset(DASHBOARD_HTML, "text/html; charset=utf-8");
export const dashboardStyles = (): RequestHandler => asset(DASHBOARD_CSS, "text/css; charset=utf-8");
export const dashboardScript = (): RequestHandler => asset(DASHBOARD_JS, "text/javascript; charset=utf-8");
