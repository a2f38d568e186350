export { type Env, envSchemas, isHostPort, readOptionalVar, readVar } from "./env.js";
export {
  type BreakerConfig,
  type GatewayConfig,
  type LoadConfigOptions,
  loadGatewayConfig,
  type ServiceConfig,
} from "./gateway-config.js";
export {
  DEFAULT_INVENTORY_GRPC_URL,
  DEMO_PORTS,
  envPrefix,
  INVENTORY_GRPC_REGISTRY_NAME,
  isServiceName,
  SERVICE_NAMES,
  type ServiceName,
} from "./services.js";
export {
  loadTracingConfig,
  type OtlpProtocol,
  TRACES_SAMPLERS,
  type TracesSamplerName,
  type TracingConfig,
} from "./tracing-config.js";
