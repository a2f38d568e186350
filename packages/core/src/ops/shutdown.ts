import type { Server } from "node:http";
import type { Logger } from "../observability/logger.js";

/** Counts the HTTP requests a server has in progress (upgraded connections are not requests). */
export interface RequestTracker {
  readonly inFlight: number;
  /** Resolves once no request is in progress. */
  idle(): Promise<void>;
}

/** Starts counting `server`'s requests in progress; install it before the server listens. */
export function trackRequests(server: Server): RequestTracker {
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  server.on("request", (_req, res) => {
    inFlight++;
    // 'close' follows every response, finished or aborted.
    res.once("close", () => {
      inFlight--;
      if (inFlight === 0 && waiters.length > 0) {
        const done = waiters;
        waiters = [];
        for (const resolve of done) resolve();
      }
    });
  });
  return {
    get inFlight() {
      return inFlight;
    },
    idle() {
      return inFlight === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
    },
  };
}

export interface ShutdownOptions {
  server: Server;
  requests: RequestTracker;
  /** How long requests in progress may take to finish (contract 2.5: 10 s). */
  graceMs: number;
  /** Runs first: readiness turns 503, live streams end. */
  beginShutdown: () => void;
  /** Runs once requests are done (or the grace period is over): broker, registry, stores. */
  closeResources: () => Promise<unknown>;
  /** Bound on `closeResources`, so a stuck connection cannot keep the process alive. Default 5000 ms. */
  closeTimeoutMs?: number;
  logger?: Logger;
}

const delay = (ms: number) =>
  new Promise<"timeout">((resolve) => {
    setTimeout(() => resolve("timeout"), ms).unref();
  });

/**
 * Graceful shutdown (contract 2.5): stop accepting connections, turn
 * `/readyz` to 503 and end the dashboards' live streams, let requests in
 * progress finish within the grace period (then cut the rest), close idle
 * keep-alive connections, then close the app's and the gateway's resources
 * (broker, registry, stores). Resolves when done; the caller exits.
 */
export async function shutdownGracefully(options: ShutdownOptions): Promise<void> {
  const { server, requests, graceMs, logger } = options;
  const started = performance.now();
  logger?.info({ inFlight: requests.inFlight, graceMs }, "shutting down");
  options.beginShutdown();
  server.close();
  server.closeIdleConnections();
  // Keep-alive connections that finish a request become idle: close them as they do.
  const sweeper = setInterval(() => server.closeIdleConnections(), 100);
  sweeper.unref();
  const outcome = await Promise.race([requests.idle().then(() => "idle" as const), delay(graceMs)]);
  clearInterval(sweeper);
  if (outcome === "timeout") {
    logger?.warn({ cutShort: requests.inFlight, graceMs }, "grace period over: cutting requests short");
  }
  server.closeAllConnections();
  const closed = await Promise.race([
    Promise.allSettled([options.closeResources()]).then(() => "closed" as const),
    delay(options.closeTimeoutMs ?? 5_000),
  ]);
  if (closed === "timeout") logger?.warn("resources did not close in time");
  logger?.info({ durationMs: Math.round(performance.now() - started) }, "stopped");
}
