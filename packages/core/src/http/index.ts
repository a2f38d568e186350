export { contextOf, type RequestContextOptions, requestContext, setContext } from "./context-middleware.js";
export { createGatewayApp, type GatewayApp, type GatewayAppOptions } from "./gateway-app.js";
export { idSchema, isValidId, requireId } from "./input.js";
export { type PassThroughOptions, passThrough } from "./pass-through.js";
export { type ErrorHandlerOptions, type Problem, problemHandler, problemOf, sendProblem } from "./problem.js";
export { sendJson } from "./respond.js";
export { mountRoutes, notFound, type RouteMethods } from "./routes.js";
export { type RunBffOptions, runBff } from "./serve.js";
