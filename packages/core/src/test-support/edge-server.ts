import { createServer, type RequestListener } from "node:http";
import { type LoopbackServer, listenOnLoopback } from "@portico/test-support";
import {
  answerClientError,
  type EdgeServerOptions,
  edgeServerOptions,
  guardRequestTarget,
} from "../server/edge-server.js";

/** An app served the way `runBff` serves it, on loopback. */
export type EdgeTestServer = LoopbackServer;

/**
 * Serves `app` on 127.0.0.1 (port 0) with the same server options, target
 * guard and client-error answers as `runBff`; drive it with `rawRequest`
 * from @portico/test-support for what no HTTP client would send.
 */
export function serveEdge(app: RequestListener, options: EdgeServerOptions = {}): Promise<EdgeTestServer> {
  const server = createServer(edgeServerOptions(options), guardRequestTarget(app));
  server.on("clientError", answerClientError);
  return listenOnLoopback(server);
}
