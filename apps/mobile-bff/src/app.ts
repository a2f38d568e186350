import { authenticate, createGatewayApp, type Gateway, mountRoutes } from "@portico/core";
import type { Express } from "express";
import { productDetails } from "./routes/product-details.js";
import { reviewsPassThrough } from "./routes/reviews.js";

export const DEFAULT_PORT = 8081;

/** The mobile BFF's routes (contract 2.2); no port, so tests can drive it directly. */
export function createApp(gateway: Gateway): Express {
  const { app, finish } = createGatewayApp({
    requestDeadlineMs: gateway.config.requestDeadlineMs,
    edge: gateway.config,
    gateway,
  });
  const details = [authenticate(gateway.verifyToken), productDetails(gateway)];
  mountRoutes(app, {
    "/productdetails/:productId": { get: details },
    "/productdetails": { get: details },
    "/reviews": { get: reviewsPassThrough(gateway) },
  });
  return finish();
}
