import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { redisReady } from "../cache/redis-connection.js";
import { Cooldown } from "../resilience/cooldown.js";

type Handler = (message: string) => void;

/**
 * The Redis side of one BFF instance's place in its fleet (`REDIS_URL`,
 * contract section 5): its commands go over the gateway's shared
 * connection, its subscriptions over one more connection of its own
 * (a subscribed connection can do nothing else), opened when a fleet
 * feature is built (`open`). Every key and channel is under `REDIS_KEY_PREFIX`,
 * so two deployments on one Redis stay apart.
 *
 * Nothing here waits on Redis longer than the connection's command timeout
 * (`REDIS_TIMEOUT_MS`), and nothing here throws at a caller because Redis
 * is away: `up` says whether to try at all, and a user whose command failed
 * acts alone and `trip`s the bus, which then stays down for 5 s (a hanging
 * Redis costs one timeout per 5 s, not one per call).
 */
export class FleetBus {
  /** This process among the fleet: the holder of a flight or of a circuit's trial. */
  readonly instanceId = randomUUID();
  readonly redis: Redis;
  readonly #prefix: string;
  readonly #handlers = new Map<string, Set<Handler>>();
  readonly #onReady = new Set<() => void>();
  /** What waits for the command connection to be ready; one 'ready' listener on it for all of them. */
  #afterCommands: (() => void)[] = [];
  readonly #health: Cooldown;
  readonly #onDown: ((error: unknown) => void) | undefined;
  readonly #onUp: (() => void) | undefined;
  #subscriber: Redis | undefined;
  #closed = false;
  #failing = false;

  constructor({ redis, keyPrefix, onDown, onUp }: FleetBusOptions) {
    this.redis = redis;
    this.#prefix = keyPrefix;
    this.#health = new Cooldown({ available: () => redis.status === "ready" });
    this.#onDown = onDown;
    this.#onUp = onUp;
  }

  /** Whether to ask Redis at all: the connection is up and no command failed in the last 5 s. */
  get up(): boolean {
    return this.#health.up;
  }

  /** A command failed or outlived `REDIS_TIMEOUT_MS`: the fleet acts alone for the cool-down. */
  trip(error: unknown): void {
    this.#health.trip(error);
    if (this.#failing) return;
    // Once per outage, not once per cool-down: a hanging Redis would otherwise log every 5 s.
    this.#failing = true;
    this.#onDown?.(error);
  }

  /** A command answered: after a `trip`, the fleet is one again. */
  answered(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#onUp?.();
  }

  /** `name` under the fleet's prefix: a key or a channel. */
  key(name: string): string {
    return `${this.#prefix}${name}`;
  }

  /**
   * Calls `handler` with each message published on the channel `name`
   * (under the prefix) until the subscription is closed. `active` settles
   * true once the subscription is in place (false when Redis is away):
   * messages published before that are not delivered, so a user re-reads
   * what it might have missed then, and in `onReady` after a reconnect.
   */
  subscribe(name: string, handler: Handler): Subscription {
    const channel = this.key(name);
    let handlers = this.#handlers.get(channel);
    let active: Promise<boolean> = Promise.resolve(true);
    if (handlers === undefined) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
      const subscriber = this.#connect();
      active =
        subscriber?.status === "ready"
          ? subscriber.subscribe(channel).then(
              () => true,
              () => false,
            )
          : Promise.resolve(false);
    }
    handlers.add(handler);
    return {
      active,
      close: () => {
        const set = this.#handlers.get(channel);
        if (set === undefined || !set.delete(handler) || set.size > 0) return;
        this.#handlers.delete(channel);
        if (this.#subscriber?.status === "ready") this.#subscriber.unsubscribe(channel).catch(() => {});
      },
    };
  }

  /**
   * Opens the subscribed connection now rather than on the first
   * subscription, whose messages would otherwise be missed while it connects.
   */
  open(): void {
    this.#connect();
  }

  /** Resolves when the subscribed connection is up, or after `waitMs` (never rejects). */
  ready(waitMs: number): Promise<boolean> {
    const subscriber = this.#connect();
    return subscriber === undefined ? Promise.resolve(false) : redisReady(subscriber, waitMs);
  }

  /** Told each time the subscriptions are (again) in place: what was missed meanwhile is re-read then. */
  onReady(listener: () => void): () => void {
    this.#onReady.add(listener);
    this.#connect();
    if (this.#subscriber?.status === "ready")
      queueMicrotask(() =>
        this.#withCommands(() => {
          // Not if it was taken back meanwhile (its owner closed).
          if (this.#onReady.has(listener)) listener();
        }),
      );
    return () => this.#onReady.delete(listener);
  }

  /**
   * Runs `fn` once the command connection is ready too. The two connect
   * apart, and a listener re-reads what it missed over the command
   * connection, which has no offline queue: asked while it still connects,
   * the read would fail and cool the bus down for 5 s (every instance then
   * acting alone) for no fault of Redis.
   */
  #withCommands(fn: () => void): void {
    if (this.redis.status === "ready") {
      fn();
      return;
    }
    // A subscribed connection that reconnects again and again while the command
    // connection is down asks to tell every listener each time: once is enough.
    if (this.#afterCommands.includes(fn)) return;
    if (this.#afterCommands.length === 0) this.redis.once("ready", this.#commandsReady);
    this.#afterCommands.push(fn);
  }

  readonly #commandsReady = (): void => {
    const due = this.#afterCommands;
    this.#afterCommands = [];
    if (!this.#closed) for (const fn of due) fn();
  };

  /** Every listener told that the subscriptions are (again) in place. */
  readonly #tellReady = (): void => {
    for (const listener of this.#onReady) listener();
  };

  close(): void {
    this.#closed = true;
    // The command connection is the gateway's and outlives this bus: it keeps no listener of ours.
    this.redis.off("ready", this.#commandsReady);
    this.#afterCommands = [];
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
  }

  /** The subscribed connection, opened on first use; undefined once closed. */
  #connect(): Redis | undefined {
    if (this.#subscriber !== undefined || this.#closed) return this.#subscriber;
    // The same options as the command connection: no offline queue, bounded timeouts, background reconnects.
    const subscriber = this.redis.duplicate({ autoResubscribe: false, connectionName: "portico-fleet" });
    this.#subscriber = subscriber;
    // Redis away is handled by acting alone; the command connection already logs it.
    subscriber.on("error", () => {});
    subscriber.on("message", (channel: string, message: string) => {
      const handlers = this.#handlers.get(channel);
      if (handlers === undefined) return;
      for (const handler of handlers) handler(message);
    });
    subscriber.on("ready", () => {
      const channels = [...this.#handlers.keys()];
      const subscribed = channels.length === 0 ? Promise.resolve() : subscriber.subscribe(...channels);
      subscribed.then(
        () => this.#withCommands(this.#tellReady),
        () => {},
      );
    });
    return subscriber;
  }
}

export interface FleetBusOptions {
  /** The gateway's command connection (`createRedisConnection`). */
  readonly redis: Redis;
  /** `REDIS_KEY_PREFIX`. */
  readonly keyPrefix: string;
  /** Told once when commands start failing on a live connection (a lost connection is the connection's to log). */
  readonly onDown?: ((error: unknown) => void) | undefined;
  /** Told when a command answers again after `onDown`. */
  readonly onUp?: (() => void) | undefined;
}

/** A subscription to one fleet channel. */
export interface Subscription {
  /** Settles true once messages are delivered, false when Redis is away. */
  readonly active: Promise<boolean>;
  close(): void;
}
