export {
  AmqpTransport,
  type AmqpTransportOptions,
  type BrokerRequester,
  queueBalancer,
  queueInstance,
} from "./amqp-transport.js";
export type { AttemptSpan, AttemptTracer } from "./attempt-tracer.js";
export { GRPC_STATUS, type GrpcAnswer, grpcStatusAnswer, grpcStatusOfAnswer } from "./grpc-status.js";
export {
  type GrpcRoute,
  type GrpcRouter,
  GrpcTransport,
  type GrpcTransportOptions,
} from "./grpc-transport.js";
export { HttpTransport, type HttpTransportOptions, PorticoCall } from "./http-transport.js";
export {
  INVENTORY_GRPC_SERVICE,
  INVENTORY_PROTO_OPTIONS,
  INVENTORY_PROTO_PATH,
  inventoryGrpcRoutes,
  loadInventoryService,
} from "./inventory-grpc.js";
export { type Generation, LocalReadGenerations, type ReadGenerations } from "./read-generations.js";
export {
  type GetOptions,
  type SendOptions,
  ServiceClient,
  type ServiceClientOptions,
  type SharedFlight,
  type StreamOptions,
} from "./service-client.js";
export {
  encodePath,
  isCancelled,
  PipelineRequest,
  queryString,
  type StreamResponse,
  type Transport,
  type TransportRequest,
  type TransportResponse,
  type WriteMethod,
  type WriteRequest,
} from "./transport.js";
export {
  type CacheStoreKind,
  combineObservers,
  outcomeOf,
  type UpstreamAttemptEvent,
  type UpstreamCallEvent,
  type UpstreamObserver,
  type UpstreamOutcome,
} from "./upstream-observer.js";
