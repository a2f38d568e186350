import type { RequestListener } from "node:http";
import {
  authenticate,
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
import { productDetails } from "./routes/product-details.js";
import { reviewsPassThrough } from "./routes/reviews.js";

export const DEFAULT_PORT = 8081;

/** The mobile BFF's routes (contract 2.2, writes 2.6); no port, so tests can drive it directly. */
export function createApp(gateway: Gateway): RequestListener {
  const { routes, finish } = createGatewayApp({
    requestDeadlineMs: gateway.config.requestDeadlineMs,
    edge: gateway.config,
    gateway,
  });
  const signedIn = authenticate(gateway.verifyToken);
  const customer = [signedIn, requireCustomer()];
  const details = [signedIn, productDetails(gateway)];
  routes({
    "/productdetails/:productId": { get: details },
    "/productdetails": { get: details },
    "/reviews": { get: reviewsPassThrough(gateway) },
    // Writes: 401, then the body's 415/413/400, then (orders) the Idempotency-Key.
    "/cart/items/:productId": {
      put: [...customer, cartLineBody, setCartLineRoute(gateway)],
      delete: [...customer, removeCartLineRoute(gateway)],
    },
    "/orders": { post: [...customer, orderBody, placeOrderRoute(gateway, (id) => `/orders/${id}`)] },
    "/orders/:orderId": { get: [...customer, orderRoute(gateway)] },
    [OPENAPI_PATH]: { get: openApiDocumentRoute() },
  });
  return finish();
}
