import type { Logger } from "pino";
import type { BrokerEvent } from "./broker-connection.js";

/** Failed reconnect attempts in a row between two log lines, so an outage does not flood the log. */
const FAILURES_PER_LINE = 20;

/**
 * A `BrokerConnection.onEvent` that logs what operators need: the link
 * lost (warn), the first failed reconnect and then every twentieth (warn),
 * the link back (info), a channel the broker refused (warn). Errors are
 * logged by message only: amqplib's may quote the URL, already redacted.
 */
export function logBrokerEvents(logger: Pick<Logger, "info" | "warn">): (event: BrokerEvent) => void {
  let failures = 0;
  const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));
  return function logBrokerEvent(event: BrokerEvent): void {
    switch (event.type) {
      case "connected":
        logger.info({ afterFailures: failures }, "message broker connected");
        failures = 0;
        return;
      case "disconnected":
        logger.warn(
          event.error === undefined ? {} : { reason: reason(event.error) },
          "message broker connection lost; reconnecting",
        );
        return;
      case "connect-failed":
        if (failures++ % FAILURES_PER_LINE === 0) {
          logger.warn(
            { reason: reason(event.error), failures, retryInMs: event.retryInMs },
            "message broker unreachable; retrying",
          );
        }
        return;
      case "channel-failed":
        logger.warn({ channel: event.channel, reason: reason(event.error) }, "message broker channel failed");
        return;
    }
  };
}
