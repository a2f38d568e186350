import {
  EventRelay,
  type Exchange,
  type Gateway,
  GatewayError,
  InvalidInputError,
  isValidId,
  json,
  LiveUpdatesOffError,
  NO_STORE,
  OverloadedError,
  SHOP_EVENT_KEYS,
  SocketHub,
  type Step,
  type UpgradeHandler,
  type UpgradeRequest,
} from "@portico/core";
import type { LiveConfig } from "./live-config.js";
import { liveRoute, statusMessage } from "./live-messages.js";

/** The path of the endpoint. */
export const LIVE_PATH = "/live";

/** The `/live?productId=` WebSocket endpoint of one web BFF instance. */
export interface LiveEndpoint {
  /** Plain HTTP on `/live` (no upgrade): explains what the endpoint needs, or that it is off. */
  readonly httpStep: Step;
  /** `GET /admin/live` (behind the admin guard): relay and socket counters. */
  readonly statsStep: Step;
  /** The WebSocket handshakes on `/live` the edge let through (`edge.upgrade(LIVE_PATH, …)`). */
  readonly upgrade: UpgradeHandler;
  /** Sockets get 1001 "going away"; the broker consumer stops. */
  close(): Promise<void>;
}

/**
 * Wires `/live`: with a broker (`AMQP_URL`), one consumer of the shop's
 * events for the whole instance fans out to every socket watching a
 * product; without one, every `/live` request is a 503 saying live updates
 * are off. The edge has already applied its load shedding, `Origin` and
 * method checks to a handshake (see `Edge.upgrade`); then input is
 * checked here: a bad or missing `productId` is 400, a full hub 503.
 */
export function liveEndpoint(gateway: Gateway, config: LiveConfig): LiveEndpoint {
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

  /** Why a `/live` request cannot become a socket, or its product id; `ids` are the query's `productId`s. */
  const check = (ids: readonly string[]): GatewayError | { productId: string } => {
    if (relay === undefined) return new LiveUpdatesOffError();
    const productId = ids[0];
    if (ids.length !== 1 || !isValidId(productId)) {
      return new InvalidInputError("productId must be one id matching ^[A-Za-z0-9_-]{1,64}$");
    }
    return { productId };
  };

  return {
    httpStep: function liveOverHttp(exchange: Exchange): never {
      const given = exchange.query.productId;
      const checked = check(given === undefined ? [] : typeof given === "string" ? [given] : given);
      throw checked instanceof GatewayError
        ? checked
        : new InvalidInputError("/live is a WebSocket endpoint: connect with Upgrade: websocket");
    },
    statsStep: function liveStats() {
      return json(
        relay === undefined || hub === undefined
          ? { enabled: false }
          : {
              enabled: true,
              exchange: gateway.config.amqpEventsExchange,
              relay: relay.stats(),
              hub: hub.stats(),
            },
        200,
        NO_STORE,
      );
    },
    upgrade: function liveUpgrade({ req, socket, head, requestId, query, refuse }: UpgradeRequest): void {
      const checked = check(query.getAll("productId"));
      if (checked instanceof GatewayError) {
        refuse(checked);
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
    },
    async close() {
      await hub?.close();
      await relay?.close();
    },
  };
}
