export * from "./schemas.js";
export { ShopApi } from "./shop-api.js";
export { TOP_TEN_RECOMMENDATIONS } from "./top-ten.js";
