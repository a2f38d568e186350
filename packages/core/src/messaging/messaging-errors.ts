import { GatewayError } from "../errors/index.js";

/** Why a broker call failed before any answer came. */
export type BrokerFailure =
  /** Not connected right now (the broker is down or being reconnected). */
  | "unavailable"
  /** The broker had no queue to route the request to (nobody serves it). */
  | "unroutable"
  /** The connection or channel died while the request waited for its reply. */
  | "lost";

/**
 * A request over the broker got no answer. Never a hang: it is raised at
 * once when the broker is unreachable. Transports turn it into the
 * upstream's connection error, so breakers and fallbacks treat it like a
 * refused HTTP connection.
 */
export class BrokerError extends GatewayError {
  constructor(
    readonly reason: BrokerFailure,
    cause?: unknown,
  ) {
    super("BROKER_UNAVAILABLE", `The message broker could not take the request (${reason})`, {
      cause,
      retryAfterS: 1,
    });
  }
}

/** `/live` on a BFF started without `AMQP_URL`: there is no event source to relay. */
export class LiveUpdatesOffError extends GatewayError {
  constructor() {
    super("LIVE_UPDATES_OFF", "Live updates are off on this server (no message broker is configured)");
  }
}
