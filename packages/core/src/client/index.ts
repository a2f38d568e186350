export { HttpTransport, type HttpTransportOptions } from "./http-transport.js";
export { type GetOptions, ServiceClient, type ServiceClientOptions } from "./service-client.js";
export {
  encodePath,
  queryString,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from "./transport.js";
