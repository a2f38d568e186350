import type { Channel, ChannelModel } from "amqplib";
import { lazyRequire } from "../lazy-require.js";
import { type BackoffOptions, backoffDelay } from "./backoff.js";

// Loaded with the first connection: a BFF without `AMQP_URL` never pays for amqplib.
const amqplib = lazyRequire<typeof import("amqplib")>("amqplib");

/** Where a {@link BrokerConnection} is in its life. */
export type BrokerState =
  /** Nobody asked for a channel yet: no connection is opened. */
  "idle" | "connecting" | "connected" | "closed";

/** What a connection reports about itself, for logs and metrics. */
export type BrokerEvent =
  | { readonly type: "connected" }
  | { readonly type: "disconnected"; readonly error?: unknown }
  | { readonly type: "connect-failed"; readonly error: unknown; readonly retryInMs: number }
  | { readonly type: "channel-failed"; readonly channel: string; readonly error: unknown };

/** Options of {@link BrokerConnection}; everything but `url` is optional. */
export interface BrokerConnectionOptions {
  /** `amqp://user:pass@host:port/vhost`; credentials never appear in events or errors. */
  readonly url: string;
  /** Shown as the connection's name in the broker's management UI. Default `portico`. */
  readonly name?: string;
  /** AMQP heartbeat in seconds: a silent broker is declared dead after about twice this. Default 5. */
  readonly heartbeatS?: number;
  /** Longest wait for the TCP connect and AMQP handshake. Default 3000 ms. */
  readonly connectTimeoutMs?: number;
  /** Reconnect back-off. Default 100 ms doubling up to 5 s, jittered. */
  readonly backoff?: BackoffOptions;
  /** Told of connects, losses and failed attempts; must not throw. */
  readonly onEvent?: (event: BrokerEvent) => void;
}

/** What a user of the connection needs on each fresh channel. */
export interface ChannelSetup {
  /** Names the channel in events. */
  readonly name: string;
  /** Declares what the channel needs (exchanges, queues, consumers); runs on every new channel. */
  setup(channel: Channel): Promise<void>;
  /** The channel is set up and usable. */
  onReady?(channel: Channel): void;
  /** The channel is gone (connection lost, broker closed it); it will be re-created. */
  onLost?(error: unknown): void;
}

/** A channel the connection keeps open (re-created and set up again after every loss). */
export interface ManagedChannel {
  /** The open, set-up channel; undefined while the broker is unreachable. */
  readonly current: Channel | undefined;
  /** Closes the channel for good. */
  close(): Promise<void>;
}

/** A connection that has lived this long is stable: its loss restarts the back-off from the bottom. */
const STABLE_MS = 2000;
const CLOSE_TIMEOUT_MS = 1000;

/**
 * One AMQP connection that keeps itself alive: it connects when the first
 * channel is asked for, reconnects with jittered exponential back-off after
 * any loss, and re-creates every managed channel (running its setup again:
 * consumers, bindings) on each new connection. Start-up never waits for or
 * fails on the broker: while it is down, `current` channels are undefined and
 * users fail fast. Nothing here throws into the process on a broker fault.
 *
 * @example
 * const broker = new BrokerConnection({ url: "amqp://guest:guest@127.0.0.1:5672" });
 * const ch = broker.channel({ name: "events", setup: (c) => c.assertExchange("shop.events", "topic").then(() => {}) });
 * ch.current?.publish("shop.events", "inventory.changed", Buffer.from("{}"));
 */
export class BrokerConnection {
  readonly #options: BrokerConnectionOptions;
  readonly #amqp: typeof import("amqplib");
  readonly #slots = new Set<ChannelSlot>();
  readonly #listeners = new Set<(state: BrokerState) => void>();
  #state: BrokerState = "idle";
  #connection: ChannelModel | undefined;
  #connectedAt = 0;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: BrokerConnectionOptions) {
    this.#options = options;
    // Here, not at the first connect: a missing amqplib fails start-up, not every reconnect.
    this.#amqp = amqplib();
  }

  get state(): BrokerState {
    return this.#state;
  }

  /** Begins connecting (idempotent); `channel()` calls it too. */
  start(): void {
    if (this.#state !== "idle") return;
    this.#setState("connecting");
    void this.#connect();
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onStateChange(listener: (state: BrokerState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A channel kept open with `spec.setup` run on each incarnation; starts the connection. */
  channel(spec: ChannelSetup): ManagedChannel {
    if (this.#state === "closed") throw new Error("BrokerConnection is closed");
    const slot = new ChannelSlot(spec, this, (s) => this.#slots.delete(s));
    this.#slots.add(slot);
    if (this.#connection !== undefined) void slot.open(this.#connection);
    this.start();
    return slot;
  }

  /** Closes every channel and the connection; no reconnect after this. */
  async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#setState("closed");
    clearTimeout(this.#timer);
    const connection = this.#connection;
    this.#connection = undefined;
    for (const slot of [...this.#slots]) slot.dropped(new Error("closed"), true);
    this.#slots.clear();
    if (connection !== undefined) await closeQuietly(connection);
  }

  /** The live connection, if `connection` is still it (a late event of an old one is ignored). */
  isCurrent(connection: ChannelModel): boolean {
    return this.#connection === connection && this.#state === "connected";
  }

  backoff(attempt: number): number {
    return backoffDelay(attempt, this.#options.backoff);
  }

  report(event: BrokerEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A logging hook must never break the connection's bookkeeping.
    }
  }

  async #connect(): Promise<void> {
    let connection: ChannelModel;
    try {
      connection = await this.#amqp.connect(withHeartbeat(this.#options.url, this.#options.heartbeatS ?? 5), {
        timeout: this.#options.connectTimeoutMs ?? 3000,
        noDelay: true,
        clientProperties: { connection_name: this.#options.name ?? "portico" },
      });
    } catch (error) {
      if (this.#state === "closed") return;
      this.#retry(error);
      return;
    }
    if (this.#state === "closed") {
      await closeQuietly(connection);
      return;
    }
    // Without an "error" listener an emitted error would crash the process; "close" follows it.
    connection.on("error", () => {});
    connection.on("close", (error: unknown) => this.#lost(connection, error));
    this.#connection = connection;
    this.#connectedAt = performance.now();
    this.#setState("connected");
    this.report({ type: "connected" });
    for (const slot of this.#slots) void slot.open(connection);
  }

  #lost(connection: ChannelModel, error: unknown): void {
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    for (const slot of this.#slots) slot.dropped(error, false);
    if (this.#state === "closed") return;
    this.report(error === undefined ? { type: "disconnected" } : { type: "disconnected", error });
    if (performance.now() - this.#connectedAt >= STABLE_MS) this.#attempt = 0;
    this.#setState("connecting");
    this.#schedule(this.backoff(this.#attempt++));
  }

  #retry(error: unknown): void {
    const retryInMs = this.backoff(this.#attempt++);
    this.report({ type: "connect-failed", error: redactError(error, this.#options.url), retryInMs });
    this.#schedule(retryInMs);
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (this.#state === "connecting") void this.#connect();
    }, delayMs);
    // A pending reconnect must not keep a process alive that is otherwise done.
    this.#timer.unref();
  }

  #setState(state: BrokerState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const listener of this.#listeners) {
      try {
        listener(state);
      } catch {
        // Listeners are told, not trusted.
      }
    }
  }
}

/** One managed channel; re-created on each connection, and after the broker closes it. */
class ChannelSlot implements ManagedChannel {
  readonly #spec: ChannelSetup;
  readonly #broker: BrokerConnection;
  readonly #forget: (slot: ChannelSlot) => void;
  #current: Channel | undefined;
  #generation = 0;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(spec: ChannelSetup, broker: BrokerConnection, forget: (slot: ChannelSlot) => void) {
    this.#spec = spec;
    this.#broker = broker;
    this.#forget = forget;
  }

  get current(): Channel | undefined {
    return this.#current;
  }

  async open(connection: ChannelModel): Promise<void> {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    const generation = ++this.#generation;
    let channel: Channel | undefined;
    try {
      channel = await connection.createChannel();
      const opened = channel;
      opened.on("error", () => {});
      opened.on("close", () => this.#channelClosed(opened, connection));
      await this.#spec.setup(opened);
    } catch (error) {
      this.#broker.report({ type: "channel-failed", channel: this.#spec.name, error });
      if (channel !== undefined) void closeChannelQuietly(channel);
      this.#reopenLater(connection);
      return;
    }
    if (generation !== this.#generation || this.#closed || !this.#broker.isCurrent(connection)) {
      void closeChannelQuietly(channel);
      return;
    }
    this.#failures = 0;
    this.#current = channel;
    this.#spec.onReady?.(channel);
  }

  /** The channel is gone (with its connection, or closed here). */
  dropped(error: unknown, forGood: boolean): void {
    if (forGood) {
      this.#closed = true;
      clearTimeout(this.#timer);
    }
    this.#generation++;
    const had = this.#current;
    this.#current = undefined;
    if (had !== undefined) this.#spec.onLost?.(error);
  }

  async close(): Promise<void> {
    const channel = this.#current;
    this.dropped(new Error("closed"), true);
    this.#forget(this);
    if (channel !== undefined) await closeChannelQuietly(channel);
  }

  #channelClosed(channel: Channel, connection: ChannelModel): void {
    if (this.#current !== channel) return;
    this.dropped(new Error(`channel ${this.#spec.name} closed`), false);
    // The broker closed just this channel (e.g. a failed declaration): open a new
    // one on the same connection. If the whole connection is going, its own
    // "close" arrives first and the new connection re-creates the channel.
    this.#reopenLater(connection);
  }

  #reopenLater(connection: ChannelModel): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        if (this.#broker.isCurrent(connection)) void this.open(connection);
      },
      this.#broker.backoff(this.#failures++),
    );
    this.#timer.unref();
  }
}

/** Adds `heartbeat` to the URL unless it names one. */
function withHeartbeat(url: string, heartbeatS: number): string {
  try {
    const parsed = new URL(url);
    if (!parsed.searchParams.has("heartbeat")) parsed.searchParams.set("heartbeat", String(heartbeatS));
    return parsed.toString();
  } catch {
    return url;
  }
}

/** amqplib's errors may quote the URL; events go to logs, so strip the credentials. */
function redactError(error: unknown, url: string): unknown {
  if (!(error instanceof Error)) return error;
  let userinfo: string | undefined;
  try {
    const parsed = new URL(url);
    userinfo = parsed.password === "" ? undefined : parsed.password;
  } catch {
    userinfo = undefined;
  }
  if (userinfo === undefined || !error.message.includes(userinfo)) return error;
  const copy = new Error(error.message.replaceAll(userinfo, "***"));
  copy.name = error.name;
  return copy;
}

async function closeQuietly(connection: ChannelModel): Promise<void> {
  // close() waits for the broker's close-ok, which a dead link never sends.
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
  });
  await Promise.race([connection.close().catch(() => {}), timedOut]);
  clearTimeout(timer);
  const socket = (connection as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection
    ?.stream;
  socket?.destroy?.();
}

async function closeChannelQuietly(channel: Channel): Promise<void> {
  // Already closed, or its connection gone: either way it is closed. A dead
  // link never confirms the close, so do not wait for it for long.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    channel.close().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
}
