export {
  type Answer,
  composite,
  type FlatHeaders,
  JSON_TYPE,
  json,
  NO_STORE,
  PROBLEM_TYPE,
  problemAnswer,
  text,
} from "./answer.js";
export { AnswerWriter, type AnswerWriterOptions, type Outgoing } from "./answer-writer.js";
export {
  COMPRESS_MIN_BYTES,
  type Coding,
  compressBody,
  compressStream,
  preferredCoding,
} from "./compression.js";
export { type CorsOptions, CorsPolicy, isAllowedOrigin, normalizeOrigin } from "./cors.js";
export {
  Edge,
  type EdgeInit,
  type EdgeOptions,
  UNMATCHED_ROUTE,
  type UpgradeHandler,
  type UpgradeRequest,
} from "./edge.js";
export { ifNoneMatchMatches, weakEtagOf, weakened } from "./etag.js";
export { EventLoopLag, type EventLoopLagOptions } from "./event-loop-lag.js";
export { Exchange } from "./exchange.js";
export { contextOf } from "./express-context.js";
export { createGatewayApp, type GatewayApp, type GatewayAppOptions } from "./gateway-app.js";
export {
  type IdempotentHandler,
  type IdempotentRouteOptions,
  idempotentRoute,
  type RouteAnswer,
} from "./idempotent-route.js";
export { idSchema, isValidId, requireId } from "./input.js";
export { type JsonBodyOptions, type JsonBodyStep, jsonBody, type ParsedBody } from "./json-body.js";
export { countQueryParams, EDGE_LIMITS, hasBody, readBody } from "./limits.js";
export { type LoadShedder, type LoadSheddingOptions, loadShedding } from "./load-shedding.js";
export { type PassThroughOptions, passThrough } from "./pass-through.js";
export {
  type ErrorHandlerOptions,
  type Problem,
  problemHandler,
  problemOf,
  sendProblem,
  writeProblem,
} from "./problem.js";
export type { RequestSpan, RequestTracer } from "./request-tracer.js";
export {
  API_SECURITY_HEADERS,
  API_SECURITY_HEADERS_FLAT,
  isKeptHeader,
  isStrippedHeader,
  PAGE_SECURITY_HEADERS,
  PAGE_SECURITY_HEADERS_FLAT,
  secureResponse,
} from "./response-hygiene.js";
export {
  type BodyStep,
  type RouteEntry,
  type RouteHandler,
  type RouteMatch,
  type RouteMethods,
  RouteTable,
  type RouteTableSpec,
  type Step,
} from "./route-table.js";
export { notFound } from "./routes.js";
export {
  cartLineBody,
  orderBody,
  orderRoute,
  placeOrderRoute,
  removeCartLineRoute,
  setCartLineRoute,
} from "./shop-write-routes.js";
