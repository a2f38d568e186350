/**
 * The attribute names Portico's spans carry: OpenTelemetry's semantic
 * conventions (stable HTTP, URL, server, client and error attributes; the
 * RPC and messaging ones as the conventions' registry names them), plus
 * Portico's own under `portico.`. Spelled out here rather than imported
 * from `@opentelemetry/semantic-conventions`, whose RPC and messaging names
 * live only in its unstable entry point.
 */
export const ATTR = {
  HTTP_REQUEST_METHOD: "http.request.method",
  HTTP_REQUEST_METHOD_ORIGINAL: "http.request.method_original",
  HTTP_RESPONSE_STATUS_CODE: "http.response.status_code",
  HTTP_ROUTE: "http.route",
  URL_FULL: "url.full",
  URL_PATH: "url.path",
  URL_SCHEME: "url.scheme",
  SERVER_ADDRESS: "server.address",
  SERVER_PORT: "server.port",
  CLIENT_ADDRESS: "client.address",
  USER_AGENT_ORIGINAL: "user_agent.original",
  NETWORK_PROTOCOL_VERSION: "network.protocol.version",
  ERROR_TYPE: "error.type",
  PEER_SERVICE: "peer.service",
  RPC_SYSTEM: "rpc.system",
  RPC_SERVICE: "rpc.service",
  RPC_METHOD: "rpc.method",
  RPC_GRPC_STATUS_CODE: "rpc.grpc.status_code",
  MESSAGING_SYSTEM: "messaging.system",
  MESSAGING_OPERATION_TYPE: "messaging.operation.type",
  MESSAGING_OPERATION_NAME: "messaging.operation.name",
  MESSAGING_DESTINATION_NAME: "messaging.destination.name",
  MESSAGING_RABBITMQ_ROUTING_KEY: "messaging.rabbitmq.destination.routing_key",
  SERVICE_NAME: "service.name",
  /** The part of a composite answer (its name in the `degraded` marker). */
  PORTICO_PART: "portico.part",
  /** The part was served by its fallback: `empty`, `default` or `cache`. */
  PORTICO_DEGRADED: "portico.degraded",
  /** Why a degraded part's call failed: the error's stable code (`UPSTREAM_TIMEOUT`, `CIRCUIT_OPEN`, …). */
  PORTICO_FALLBACK_CAUSE: "portico.fallback.cause",
  /** The request's `X-Request-Id`, to go from a log line to its trace and back. */
  PORTICO_REQUEST_ID: "portico.request_id",
} as const;

/** The HTTP methods the conventions know; any other is `_OTHER`. */
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  "CONNECT",
  "DELETE",
  "GET",
  "HEAD",
  "OPTIONS",
  "PATCH",
  "POST",
  "PUT",
  "QUERY",
  "TRACE",
]);

/** `http.request.method` as the conventions want it: a known method, else `_OTHER`. */
export function conventionalMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : "_OTHER";
}
