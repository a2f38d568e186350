import {
  authenticate,
  type BffApp,
  cartLineBody,
  createGatewayApp,
  type Gateway,
  mountRoutes,
  orderBody,
  orderRoute,
  placeOrderRoute,
  removeCartLineRoute,
  requireCustomer,
  setCartLineRoute,
  upgradeGuard,
} from "@portico/core";
import { loadLiveConfig, type WebConfig } from "./live/live-config.js";
import { liveEndpoint } from "./live/live-endpoint.js";
import { productPage } from "./routes/product-page.js";
import { wishlist } from "./routes/wishlist.js";

export const DEFAULT_PORT = 8082;

/**
 * The web BFF's routes (contract 2.3, writes 2.6); no port, so tests can drive it directly.
 * `attach` takes the server's WebSocket upgrades (`/live`); `close` ends the sockets and the relay.
 */
export function createApp(gateway: Gateway, config?: WebConfig): BffApp {
  const { app, finish, load } = createGatewayApp({
    requestDeadlineMs: gateway.config.requestDeadlineMs,
    edge: gateway.config,
    gateway,
  });
  const signedIn = authenticate(gateway.verifyToken);
  // Upgrades skip the request pipeline: the edge's shedding and Origin checks are applied to them here.
  const live = liveEndpoint(
    gateway,
    config?.live ?? loadLiveConfig({}),
    upgradeGuard({ corsOrigins: gateway.config.corsOrigins, load }),
  );
  mountRoutes(app, {
    "/api/product-page/:productId": { get: [signedIn, productPage(gateway)] },
    "/api/wishlist": { get: [signedIn, requireCustomer(), wishlist(gateway)] },
    // Writes (2.6): 401, then the body's 415/413/400, then (orders) the Idempotency-Key.
    "/api/cart/items/:productId": {
      put: [signedIn, requireCustomer(), cartLineBody, setCartLineRoute(gateway)],
      delete: [signedIn, requireCustomer(), removeCartLineRoute(gateway)],
    },
    "/api/orders": {
      post: [signedIn, requireCustomer(), orderBody, placeOrderRoute(gateway, (id) => `/api/orders/${id}`)],
    },
    "/api/orders/:orderId": { get: [signedIn, requireCustomer(), orderRoute(gateway)] },
    "/live": { get: live.httpHandler },
    "/admin/live": { get: live.statsHandler },
  });
  finish();
  return { app, attach: (server) => live.attach(server, app), close: () => live.close() };
}
