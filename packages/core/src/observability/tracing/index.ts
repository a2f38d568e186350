export {
  createGatewayTracing,
  type GatewayTracing,
  type GatewayTracingOptions,
  type TracedTransport,
} from "./gateway-tracing.js";
export { ATTR as TRACE_ATTRIBUTES } from "./semantic-attributes.js";
