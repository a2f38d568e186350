import type { IncomingMessage } from "node:http";
import { ForbiddenOriginError, type GatewayError, OverloadedError } from "../errors/index.js";
import { isAllowedOrigin, normalizeOrigin } from "./cors.js";
import type { LoadShedder } from "./load-shedding.js";

export interface UpgradeGuardOptions {
  /** `CORS_ORIGINS`: pages of these origins may open sockets too. */
  readonly corsOrigins?: readonly string[] | undefined;
  /** The app's shedder (`createGatewayApp`'s `load`): an upgrade is refused when requests are. */
  readonly load?: Pick<LoadShedder, "tryEnter" | "leave"> | undefined;
}

/**
 * The edge's checks for a WebSocket upgrade, which never passes through the
 * request pipeline: load shedding (a handshake is a request: refused with
 * 503 and `Retry-After` when `MAX_INFLIGHT` is reached; the socket it opens
 * is bounded by its hub, not counted as a request in progress), and the
 * `Origin` check browsers do not make for sockets (CORS does not apply to
 * them): a page may connect only from the BFF's own origin or one listed in
 * `CORS_ORIGINS`. A request without `Origin` is not a browser page's and
 * passes. Returns why the upgrade is refused, or undefined.
 */
export function upgradeGuard({ corsOrigins = [], load }: UpgradeGuardOptions = {}) {
  const allowed = new Set(corsOrigins.map((origin) => normalizeOrigin(origin) ?? origin));
  return function checkUpgrade(req: IncomingMessage): GatewayError | undefined {
    if (load !== undefined) {
      if (!load.tryEnter()) return new OverloadedError();
      load.leave();
    }
    const origin = req.headers.origin;
    if (origin === undefined) return undefined;
    if (isAllowedOrigin(allowed, origin)) return undefined;
    // Same origin: the page was served by this host (the scheme is the proxy's to know, so both count).
    const host = req.headers.host;
    if (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)) return undefined;
    return new ForbiddenOriginError();
  };
}
