import { authenticate, createGatewayApp, type Gateway, mountRoutes, requireCustomer } from "@portico/core";
import type { Express } from "express";
import { productPage } from "./routes/product-page.js";
import { wishlist } from "./routes/wishlist.js";

export const DEFAULT_PORT = 8082;

/** The web BFF's routes (contract 2.3); no port, so tests can drive it directly. */
export function createApp(gateway: Gateway): Express {
  const { app, finish } = createGatewayApp({ requestDeadlineMs: gateway.config.requestDeadlineMs });
  const signedIn = authenticate(gateway.verifyToken);
  mountRoutes(app, {
    "/api/product-page/:productId": { get: [signedIn, productPage(gateway)] },
    "/api/wishlist": { get: [signedIn, requireCustomer(), wishlist(gateway)] },
  });
  return finish();
}
