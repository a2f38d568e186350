import type { IncomingMessage, RequestListener, Server } from "node:http";
import type { Duplex } from "node:stream";
import {
  acceptRequestId,
  EventRelay,
  type Gateway,
  GatewayError,
  InvalidInputError,
  isValidId,
  LiveUpdatesOffError,
  OverloadedError,
  problemOf,
  refuseUpgrade,
  SHOP_EVENT_KEYS,
  SocketHub,
  serveUpgradeAsRequest,
} from "@portico/core";
import type { Request, RequestHandler, Response } from "express";
import type { LiveConfig } from "./live-config.js";
import { liveRoute, statusMessage } from "./live-messages.js";

/** The path of the endpoint. */
export const LIVE_PATH = "/live";

/** The `/live?productId=` WebSocket endpoint of one web BFF instance. */
export interface LiveEndpoint {
  /** Plain HTTP on `/live` (no upgrade): explains what the endpoint needs, or that it is off. */
  readonly httpHandler: RequestHandler;
  /** `GET /admin/live` (behind the admin guard): relay and socket counters. */
  readonly statsHandler: RequestHandler;
  /**
   * Handles the server's upgrades: WebSockets on `/live`; any other upgrade
   * request (e.g. `Upgrade: h2c`) is served by `app` as the plain request it also is.
   */
  attach(server: Server, app: RequestListener): void;
  /** Sockets get 1001 "going away"; the broker consumer stops. */
  close(): Promise<void>;
}

/**
 * Wires `/live`: with a broker (`AMQP_URL`), one consumer of the shop's
 * events for the whole instance fans out to every socket watching a
 * product; without one, every `/live` request is a 503 saying live updates
 * are off. Every upgrade first passes `guard` (the edge's load shedding
 * and Origin check, see `upgradeGuard`); then input is checked: a bad or
 * missing `productId` is 400.
 */
export function liveEndpoint(
  gateway: Gateway,
  config: LiveConfig,
  guard: (req: IncomingMessage) => GatewayError | undefined = () => undefined,
): LiveEndpoint {
  const broker = gateway.broker;
  const hub =
    broker === undefined
      ? undefined
      : new SocketHub({
          maxBufferedBytes: config.maxBufferedBytes,
          heartbeatMs: config.heartbeatMs,
          maxSockets: config.maxSockets,
        });
  const relay =
    broker === undefined || hub === undefined
      ? undefined
      : new EventRelay({
          broker,
          hub,
          exchange: gateway.config.amqpEventsExchange,
          routingKeys: SHOP_EVENT_KEYS,
          route: liveRoute(gateway.config.lowStockThreshold),
          statusMessage,
        });

  /** Why a `/live` request cannot become a socket, or its product id. */
  const check = (method: string | undefined, url: URL): GatewayError | { productId: string } => {
    if (method !== "GET")
      return new GatewayError("METHOD_NOT_ALLOWED", `${method ?? "?"} is not served here`);
    if (relay === undefined) return new LiveUpdatesOffError();
    const ids = url.searchParams.getAll("productId");
    const productId = ids[0];
    if (ids.length !== 1 || !isValidId(productId)) {
      return new InvalidInputError("productId must be one id matching ^[A-Za-z0-9_-]{1,64}$");
    }
    return { productId };
  };

  let server: Server | undefined;
  let plain: RequestListener | undefined;

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => {});
    const header = req.headers["x-request-id"];
    const requestId = acceptRequestId(typeof header === "string" ? header : undefined);
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      url = new URL("http://localhost/");
    }
    const refuse = (error: GatewayError, headers: Record<string, string> = {}) => {
      const all: Record<string, string> = { ...headers };
      if (error.retryAfterS !== undefined) all["Retry-After"] = String(error.retryAfterS);
      refuseUpgrade(socket, problemOf(error, url.pathname, requestId), { headers: all });
    };
    const websocket = req.headers.upgrade?.toLowerCase() === "websocket";
    if (url.pathname !== LIVE_PATH || !websocket) {
      // Another part of the app may serve upgrades on its own path; answer only when nobody else can.
      if (server !== undefined && server.listenerCount("upgrade") > 1 && url.pathname !== LIVE_PATH) return;
      if (plain === undefined) refuse(new GatewayError("ROUTE_NOT_FOUND", "No such route"));
      else serveUpgradeAsRequest(plain, req, socket, head, requestId);
      return;
    }
    const refused = guard(req);
    if (refused !== undefined) {
      refuse(refused);
      return;
    }
    const checked = check(req.method, url);
    if (checked instanceof GatewayError) {
      refuse(checked, checked.code === "METHOD_NOT_ALLOWED" ? { Allow: "GET, HEAD" } : {});
      return;
    }
    if (hub === undefined || relay === undefined || hub.full) {
      refuse(new OverloadedError());
      return;
    }
    hub.accept(req, socket, head, checked.productId, {
      headers: [`X-Request-Id: ${requestId}`, "X-Content-Type-Options: nosniff"],
      greeting: relay.statusMessage(),
    });
  }

  return {
    httpHandler: function liveOverHttp(req: Request, _res: Response, next) {
      const url = new URL(req.originalUrl, "http://localhost");
      const checked = check("GET", url);
      next(
        checked instanceof GatewayError
          ? checked
          : new InvalidInputError("/live is a WebSocket endpoint: connect with Upgrade: websocket"),
      );
    },
    statsHandler: function liveStats(_req: Request, res: Response) {
      res.json(
        relay === undefined || hub === undefined
          ? { enabled: false }
          : {
              enabled: true,
              exchange: gateway.config.amqpEventsExchange,
              relay: relay.stats(),
              hub: hub.stats(),
            },
      );
    },
    attach(httpServer, app) {
      server = httpServer;
      plain = app;
      httpServer.on("upgrade", upgrade);
    },
    async close() {
      await hub?.close();
      await relay?.close();
    },
  };
}
