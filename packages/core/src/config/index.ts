export { type Env, envSchemas, readOptionalVar, readVar } from "./env.js";
export {
  type BreakerConfig,
  type GatewayConfig,
  type LoadConfigOptions,
  loadGatewayConfig,
  type ServiceConfig,
} from "./gateway-config.js";
export { DEMO_PORTS, envPrefix, isServiceName, SERVICE_NAMES, type ServiceName } from "./services.js";
