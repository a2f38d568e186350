/**
 * @portico/test-support: the helpers every package's tests share. It
 * depends on no @portico package, so any of them can devDepend on it.
 */

export {
  /** The broker tests talk to: `AMQP_URL`, else the local RabbitMQ. */
  BROKER_URL,
  /** Queue and exchange names of one test run, with the env naming them. */
  type BrokerNames,
  /** Host and port of `BROKER_URL`. */
  brokerAddress,
  /** `BROKER_URL` through another port (a `TcpProxy`'s). */
  brokerUrlVia,
  /** Deletes a test run's queues and exchanges. */
  deleteBrokerNames,
  /** A shipping queue and an events exchange of this run only. */
  uniqueBrokerNames,
} from "./broker.js";
export {
  /** Options of `eventually`. */
  type EventuallyOptions,
  /** Polls until a check passes, and resolves with its value. */
  eventually,
  /** Polls until a check passes, and resolves with how long it took. */
  within,
} from "./eventually.js";
export { type FakeShop, type ShopService, startFakeShop } from "./fake-shop.js";
export {
  /** A programmable upstream HTTP server on loopback. */
  type FakeUpstream,
  /** What the fake upstream saw of one request. */
  type SeenRequest,
  /** Answers a response with JSON and a status. */
  sendJson,
  /** Starts a fake upstream on a free loopback port. */
  startFakeUpstream,
  /** How a fake upstream answers. */
  type UpstreamHandler,
} from "./fake-upstream.js";
export {
  /** A server listening on loopback, with a `close()` that ends every connection. */
  type LoopbackServer,
  /** Listens with a request listener (or a server) on 127.0.0.1 at a free port. */
  listenOnLoopback,
} from "./loopback-server.js";
export { openApiValidator } from "./openapi-validator.js";
export {
  /** Options of `closedLoop`. */
  type ClosedLoopOptions,
  /** What `closedLoop` saw. */
  type ClosedLoopResult,
  /** Closed-loop clients against a URL: goodput within a deadline, p99, statuses. */
  closedLoop,
  /** Options of `startQueueingUpstream`. */
  type QueueingUpstreamOptions,
  /** An upstream of fixed capacity whose latency grows with its concurrency. */
  startQueueingUpstream,
} from "./overload.js";
export {
  /** A loopback port nothing listens on. */
  closedPort,
  /** A base URL whose connections are refused. */
  closedPortUrl,
  /** A loopback port free right now (for a server that needs a number up front). */
  freePort,
} from "./ports.js";
export {
  /** Resident memory of a process, in bytes. */
  rssOf,
} from "./process-memory.js";
export {
  /** A plain amqplib consumer playing a request/reply service. */
  type QueueReply,
  /** A running fake queue service. */
  type QueueService,
  /** Options of `startQueueService`. */
  type QueueServiceOptions,
  /** Starts a consumer that answers (or swallows) requests on its queues. */
  startQueueService,
} from "./queue-service.js";
export {
  /** What came back on a raw connection. */
  type RawAnswer,
  /** Options of `rawRequest`. */
  type RawOptions,
  /** A GET as raw bytes, with extra header lines. */
  rawGet,
  /** Writes bytes as they are on a fresh connection and reads the answer. */
  rawRequest,
} from "./raw-http.js";
export {
  /** Whether something accepts TCP connections at a URL's host and port. */
  acceptsConnections,
  /** etcd for tests: `ETCD_ENDPOINTS` or 127.0.0.1:2379. */
  etcdEndpoint,
  /** Host and port of a URL, with the scheme's default port. */
  hostPort,
  /** Redis for tests: `REDIS_URL` or 127.0.0.1:6379. */
  redisUrl,
  /** Fails clearly unless RabbitMQ accepts connections. */
  requireBroker,
  /** The Chromium to drive, or a clear error naming `apt-get install -y chromium`. */
  requireBrowser,
  /** Fails clearly unless etcd accepts connections. */
  requireEtcd,
  /** The nginx to start, or a clear error naming `apt-get install -y nginx`. */
  requireNginx,
  /** Fails clearly unless Redis accepts connections. */
  requireRedis,
  /** Fails with one clear line unless a server accepts connections. */
  requireServer,
} from "./servers.js";
export {
  /** What the proxy does with connections: forward, reset, refuse or blackhole. */
  type ProxyMode,
  /** Starts a loopback TCP proxy a test can cut, hang and restore. */
  startTcpProxy,
  /** A running TCP proxy. */
  type TcpProxy,
} from "./tcp-proxy.js";
export {
  /** A name (queue, exchange, key prefix) no other test run uses. */
  uniqueName,
} from "./unique-name.js";
