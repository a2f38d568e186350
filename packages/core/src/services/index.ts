export * from "./schemas.js";
export { ShopApi } from "./shop-api.js";
export {
  EMPTY_REVIEWS,
  foundOr,
  lastKnownPriceFallback,
  nullIfNotFound,
  type ReviewSummary,
} from "./shop-parts.js";
export { TOP_TEN_RECOMMENDATIONS } from "./top-ten.js";
