import { createServer, type Server } from "node:http";
import type { Express } from "express";
import type { Env } from "../config/env.js";
import { type GatewayConfig, loadGatewayConfig } from "../config/gateway-config.js";
import { ConfigError } from "../errors/index.js";
import { createGateway, type Gateway } from "../gateway.js";

export interface RunBffOptions<C extends GatewayConfig> {
  /** The app's name, for the start-up line. */
  name: string;
  defaultPort: number;
  /** Extends the shared configuration with the app's own variables. */
  loadConfig?: (env: Env, base: GatewayConfig) => C;
  createApp: (gateway: Gateway, config: C) => Express | BffApp | Promise<Express | BffApp>;
  env?: Env;
}

/**
 * An app that needs more than request handling: `attach` receives the
 * listening HTTP server (e.g. for WebSocket upgrades), `close` runs on
 * shutdown after the server stopped accepting (e.g. to close a broker).
 */
export interface BffApp {
  readonly app: Express;
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
    const base = loadGatewayConfig(env, { defaultPort: options.defaultPort });
    config = options.loadConfig ? options.loadConfig(env, base) : (base as C);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${options.name}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const gateway = createGateway(config);
  const created = await options.createApp(gateway, config);
  const bff: BffApp = "app" in created ? created : { app: created };
  const server = createServer(bff.app);
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
    const forced = setTimeout(() => {
      server.closeAllConnections();
    }, GRACE_MS);
    forced.unref();
    server.close(() => {
      clearTimeout(forced);
      Promise.allSettled([bff.close?.(), gateway.close()]).finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  return server;
}
