// The package's public entry: start the demo shop in-process, and the seed
// data and types other packages' tests use to know what to expect.

export { ConfigError } from "./config/config-error.js";
export { type DemoConfig, type Env, parseConfig, portVariable } from "./config/parse-config.js";
export {
  DEFAULT_AUTH_AUDIENCE,
  DEFAULT_AUTH_ISSUER,
  DEFAULT_BASE_PORT,
  DEFAULT_CONTROL_PORT,
} from "./defaults.js";
export {
  FAULT_MODES,
  type Fault,
  type FaultInput,
  type FaultMode,
  faultSchema,
} from "./faults/fault-schema.js";
export { ID_PATTERN, IDEMPOTENCY_KEY_PATTERN, isValidId, isValidIdempotencyKey } from "./ids.js";
export type {
  Cart,
  CartItem,
  Customer,
  Money,
  Order,
  OrderDetails,
  OrderStatus,
  Price,
  Product,
  ProductImage,
  Recommendation,
  RecommendationReason,
  Review,
  ShippingMethod,
  ShippingOption,
  Stock,
} from "./model.js";
export type { RecordedRequest, ServiceStats } from "./recording/request-recorder.js";
export { averageRating } from "./seed/reviews.js";
export { type Seed, seed } from "./seed/seed.js";
export type { AuthSettings } from "./services/auth.js";
export {
  type DemoServices,
  type DemoServicesOptions,
  servicePort,
  startDemoServices,
} from "./start-demo-services.js";
export { type Output, type ReadyLine, readyLine, startFromEnv } from "./start-from-env.js";
export type {
  DemoEventMap,
  DemoEvents,
  InventoryChanged,
  OrderPlaced,
  PriceChanged,
} from "./store/demo-events.js";
export type { DemoStore, OrderCount } from "./store/demo-store.js";
export { orderTotal } from "./store/order-total.js";
