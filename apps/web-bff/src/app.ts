import {
  authenticate,
  type BffApp,
  cartLineBody,
  createGatewayApp,
  type Gateway,
  orderBody,
  orderRoute,
  placeOrderRoute,
  removeCartLineRoute,
  requireCustomer,
  setCartLineRoute,
} from "@portico/core";
import { openApiDocumentRoute } from "./api/openapi.js";
import { OPENAPI_PATH } from "./api/operations.js";
import { loadLiveConfig, type WebConfig } from "./live/live-config.js";
import { LIVE_PATH, liveEndpoint } from "./live/live-endpoint.js";
import { productPage } from "./routes/product-page.js";
import { wishlist } from "./routes/wishlist.js";

export const DEFAULT_PORT = 8082;

/**
 * The web BFF's routes (contract 2.3, writes 2.6); no port, so tests can drive it directly.
 * `attach` takes the server's WebSocket upgrades (`/live`); `close` ends the sockets and the relay.
 */
export function createApp(gateway: Gateway, config?: WebConfig): BffApp {
  const { routes, edge, finish } = createGatewayApp({
    requestDeadlineMs: gateway.config.requestDeadlineMs,
    edge: gateway.config,
    gateway,
  });
  const signedIn = authenticate(gateway.verifyToken);
  const live = liveEndpoint(gateway, config?.live ?? loadLiveConfig({}));
  // The edge sheds, checks Origin and the method of a /live handshake, then hands it to the endpoint.
  edge.upgrade(LIVE_PATH, live.upgrade);
  routes({
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
    [OPENAPI_PATH]: { get: openApiDocumentRoute() },
    [LIVE_PATH]: { get: live.httpStep },
    "/admin/live": { get: live.statsStep },
  });
  return { app: finish(), attach: (server) => edge.attach(server), close: () => live.close() };
}
