export { type BackoffOptions, backoffDelay } from "./backoff.js";
export {
  BrokerConnection,
  type BrokerConnectionOptions,
  type BrokerEvent,
  type BrokerState,
  type ChannelSetup,
  type ManagedChannel,
} from "./broker-connection.js";
export { logBrokerEvents } from "./broker-log.js";
export { EventRelay, type EventRelayOptions, type EventRelayStats, type RelayRoute } from "./event-relay.js";
export { BrokerError, type BrokerFailure, LiveUpdatesOffError } from "./messaging-errors.js";
export { type RefuseUpgradeOptions, refuseUpgrade } from "./refuse-upgrade.js";
export {
  type BrokerReply,
  type BrokerRequest,
  DIRECT_REPLY_TO,
  RequestReplyClient,
} from "./request-reply-client.js";
export { serveUpgradeAsRequest } from "./serve-upgrade-as-request.js";
export {
  type InventoryChangedEvent,
  inventoryChangedSchema,
  type PriceChangedEvent,
  parseShopEvent,
  priceChangedSchema,
  SHOP_EVENT_KEYS,
  type ShopEvent,
  type ShopEventKey,
} from "./shop-events.js";
export {
  type AcceptOptions,
  type SocketDropReason,
  SocketHub,
  type SocketHubOptions,
  type SocketHubStats,
} from "./socket-hub.js";
export { TopicSubscriber, type TopicSubscriberOptions } from "./topic-subscriber.js";
