import { type IncomingMessage, type RequestListener, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { InvalidInputError } from "../errors/index.js";
import { problemOf } from "../http/problem.js";
import { refuseUpgrade } from "./refuse-upgrade.js";

/**
 * Answers a request that asked for a protocol upgrade the app does not
 * offer (e.g. `curl --http2` sends `Upgrade: h2c`) as the plain HTTP/1.1
 * request it also is, through `app`, then closes the connection. Needed
 * because once a server has an `upgrade` listener, Node hands it every
 * request carrying `Upgrade`, and RFC 9110 lets a server ignore the header.
 * A request with a body is refused with 400: Node stopped parsing at the
 * headers, so the body cannot be read.
 */
export function serveUpgradeAsRequest(
  app: RequestListener,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  requestId: string,
): void {
  const length = req.headers["content-length"];
  if (
    head.length > 0 ||
    req.headers["transfer-encoding"] !== undefined ||
    (length !== undefined && length !== "0")
  ) {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    refuseUpgrade(
      socket,
      problemOf(new InvalidInputError("An upgrade request cannot carry a body here"), path, requestId),
    );
    return;
  }
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Parameters<ServerResponse["assignSocket"]>[0]);
  res.on("finish", () => {
    res.detachSocket(socket as Parameters<ServerResponse["detachSocket"]>[0]);
    socket.end();
  });
  // The client may leave before the answer: then only the socket is to clean up.
  socket.on("close", () => {
    if (!res.writableFinished) res.destroy();
  });
  app(req, res);
}
