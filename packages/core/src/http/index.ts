export { contextOf, type RequestContextOptions, requestContext, setContext } from "./context-middleware.js";
export { type CorsOptions, cors, isAllowedOrigin, normalizeOrigin } from "./cors.js";
export { EventLoopLag, type EventLoopLagOptions } from "./event-loop-lag.js";
export {
  attachFastPath,
  FAST_ROUTE,
  FastPath,
  type FastPathOptions,
  type FastRoute,
  fastPathOf,
  withFastPath,
} from "./fast-path.js";
export {
  createGatewayApp,
  type EdgeOptions,
  type GatewayApp,
  type GatewayAppOptions,
} from "./gateway-app.js";
export {
  type IdempotentHandler,
  type IdempotentRouteOptions,
  idempotentRoute,
  type RouteAnswer,
} from "./idempotent-route.js";
export { idSchema, isValidId, requireId } from "./input.js";
export { type JsonBodyOptions, type JsonBodyStep, jsonBody, type ParsedBody } from "./json-body.js";
export {
  bodyRefusalOf,
  countQueryParams,
  EDGE_LIMITS,
  type RequestLimitsOptions,
  refuseOversizedBody,
  requestLimits,
  TAKES_BODY,
  takesBody,
} from "./limits.js";
export { type LoadShedder, type LoadSheddingOptions, loadShedding, UNSHED_PATHS } from "./load-shedding.js";
export { type PassThroughOptions, passThrough } from "./pass-through.js";
export {
  type ErrorHandlerOptions,
  type Problem,
  problemHandler,
  problemOf,
  sendProblem,
  writeProblem,
} from "./problem.js";
export { sendJson } from "./respond.js";
export {
  API_SECURITY_HEADERS,
  API_SECURITY_HEADERS_FLAT,
  isStrippedHeader,
  type ResponseHygieneOptions,
  responseHygiene,
} from "./response-hygiene.js";
export { mountRoutes, notFound, type RouteMethods } from "./routes.js";
export {
  cartLineBody,
  orderBody,
  orderRoute,
  placeOrderRoute,
  removeCartLineRoute,
  setCartLineRoute,
} from "./shop-write-routes.js";
export { type UpgradeGuardOptions, upgradeGuard } from "./upgrade-guard.js";
