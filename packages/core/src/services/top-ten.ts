import type { Recommendation } from "./schemas.js";

/**
 * The hardwired top-ten list served when the recommendations service
 * fails (degraded `default`): the shop's best sellers, which need no
 * service to compute.
 */
export const TOP_TEN_RECOMMENDATIONS: readonly Recommendation[] = Object.freeze(
  ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10"].map((productId) =>
    Object.freeze({ productId, reason: "top-seller" }),
  ),
);
