import { createServer, type RequestListener, type Server } from "node:http";
import type { Env } from "../config/env.js";
import { type GatewayConfig, loadGatewayConfig } from "../config/gateway-config.js";
import { ConfigError } from "../errors/index.js";
import { createGateway, type Gateway } from "../gateway.js";
import { GatewayObservability } from "../observability/gateway-observability.js";
import { closeLogger, createLogger } from "../observability/logger.js";
import { shutdownGracefully, trackRequests } from "../ops/shutdown.js";
import { answerClientError, edgeServerOptions, guardRequestTarget } from "./edge-server.js";
import { disablePretenuring, growNewSpaceAtOnce, limitHeapGrowth } from "./heap-sizing.js";

export interface RunBffOptions<C extends GatewayConfig> {
  /** The app's name, for the start-up line. */
  name: string;
  defaultPort: number;
  /** Extends the shared configuration with the app's own variables. */
  loadConfig?: (env: Env, base: GatewayConfig) => C;
  createApp: (gateway: Gateway, config: C) => RequestListener | BffApp | Promise<RequestListener | BffApp>;
  env?: Env;
}

/**
 * An app that needs more than request handling: `attach` receives the
 * listening HTTP server (e.g. for WebSocket upgrades), `close` runs on
 * shutdown after the server stopped accepting (e.g. to close a broker).
 */
export interface BffApp {
  /** The request listener: `createGatewayApp(...).finish()`. */
  readonly app: RequestListener;
  attach?(server: Server): void;
  close?(): Promise<void>;
}

/** How long requests in progress may take to finish after SIGTERM. */
const GRACE_MS = 10_000;

/**
 * A BFF's `main`: read and validate configuration (a bad value stops
 * start-up with one line naming the variable, exit 1), wire the gateway,
 * listen, and shut down gracefully on SIGTERM/SIGINT.
 */
export async function runBff<C extends GatewayConfig = GatewayConfig>(
  options: RunBffOptions<C>,
): Promise<Server> {
  const env = options.env ?? process.env;
  let config: C;
  try {
    const base = loadGatewayConfig(env, { defaultPort: options.defaultPort, appName: options.name });
    config = options.loadConfig ? options.loadConfig(env, base) : (base as C);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${options.name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  // Process-wide V8 settings, so here and not in createGateway (tests build many gateways per process).
  limitHeapGrowth(config.heapGrowthPct);
  growNewSpaceAtOnce();
  disablePretenuring();
  // JSON logs on stdout at LOG_LEVEL; metrics and status in a registry of this app's own.
  const logger = createLogger({ name: options.name, level: config.logLevel });
  const gateway = createGateway(config, {
    observability: new GatewayObservability({ name: options.name, logger }),
  });
  // DISCOVERY=etcd: wait up to DISCOVERY_WAIT_MS for the first instance list; no registry, no start.
  try {
    await gateway.ready();
  } catch (error) {
    process.stderr.write(`${options.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    await gateway.close().catch(() => {});
    process.exit(1);
  }
  const created = await options.createApp(gateway, config);
  const bff: BffApp = typeof created === "function" ? { app: created } : created;
  // Edge limits the server enforces itself: 16 KiB of headers (431), slowloris timeouts.
  const server = createServer(
    edgeServerOptions({ headersTimeoutMs: config.headersTimeoutMs }),
    guardRequestTarget(bff.app),
  );
  server.on("clientError", answerClientError);
  const requests = trackRequests(server);
  bff.attach?.(server);
  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  }).catch((error: unknown) => {
    process.stderr.write(
      `${options.name}: cannot listen on ${config.host}:${config.port}: ${String(error)}\n`,
    );
    process.exit(1);
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  process.stdout.write(
    `${JSON.stringify({ level: "info", msg: `${options.name} listening`, url: `http://${config.host}:${port}` })}\n`,
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Contract 2.5: stop accepting, /readyz 503, requests in progress get GRACE_MS,
    // then the broker and registry connections close and the process exits 0.
    void shutdownGracefully({
      server,
      requests,
      graceMs: GRACE_MS,
      beginShutdown: () => gateway.observability.beginShutdown(),
      closeResources: () => Promise.allSettled([bff.close?.(), gateway.close()]),
      logger,
    })
      // The log's last lines ("stopped" among them) are written, in order, before the exit.
      .finally(() => closeLogger(logger))
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  return server;
}
