import amqp, { type Channel, type ChannelModel } from "amqplib";

/** What runs on every fresh channel (declarations, consumers). */
export type ChannelSetup = (channel: Channel) => Promise<void>;

export interface AmqpLinkOptions {
  readonly url: string;
  /** Connection name in the broker's management UI. */
  readonly name: string;
  /** Told of state changes worth a log line (not every retry). */
  readonly log?: (line: string) => void;
}

/** A channel the link keeps open across reconnects. */
export interface LinkedChannel {
  /** The channel, set up; undefined while the broker is unreachable. */
  readonly current: Channel | undefined;
}

const HEARTBEAT_S = 5;
const CONNECT_TIMEOUT_MS = 3000;
const MAX_BACKOFF_MS = 5000;

/**
 * The demo's side of the broker: one connection that reconnects with
 * jittered exponential back-off (100 ms doubling to 5 s) and sets its
 * channels up again each time. Any channel failure restarts the whole
 * link: simple, and enough for a demo service.
 */
export class AmqpLink {
  readonly #options: AmqpLinkOptions;
  readonly #slots: Array<{ setup: ChannelSetup; channel: Channel | undefined }> = [];
  #connection: ChannelModel | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #warned = false;
  #firstAttempt: Promise<void>;

  constructor(options: AmqpLinkOptions) {
    this.#options = options;
    this.#firstAttempt = Promise.resolve();
  }

  /** Registers a channel; call before `start`. */
  channel(setup: ChannelSetup): LinkedChannel {
    const slot = { setup, channel: undefined as Channel | undefined };
    this.#slots.push(slot);
    return {
      get current() {
        return slot.channel;
      },
    };
  }

  /** Connects; resolves after the first attempt, whether or not it succeeded (it keeps retrying). */
  start(): Promise<void> {
    this.#firstAttempt = this.#connect();
    return this.#firstAttempt;
  }

  get connected(): boolean {
    return this.#connection !== undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#firstAttempt.catch(() => {});
    const connection = this.#connection;
    this.#connection = undefined;
    for (const slot of this.#slots) slot.channel = undefined;
    if (connection === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      connection.close().catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 1000);
      }),
    ]);
    clearTimeout(timer);
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    let connection: ChannelModel | undefined;
    try {
      connection = await amqp.connect(withHeartbeat(this.#options.url), {
        timeout: CONNECT_TIMEOUT_MS,
        clientProperties: { connection_name: this.#options.name },
      });
      const opened = connection;
      opened.on("error", () => {});
      opened.on("close", () => this.#lost(opened));
      for (const slot of this.#slots) {
        const channel = await opened.createChannel();
        channel.on("error", () => {});
        // A channel the broker closed (the connection lives on): start over.
        channel.on("close", () => {
          if (this.#connection === opened && !this.#closed) void opened.close().catch(() => {});
        });
        await slot.setup(channel);
        slot.channel = channel;
      }
      if (this.#closed) {
        await opened.close().catch(() => {});
        return;
      }
      this.#connection = opened;
      this.#attempt = 0;
      if (this.#warned) this.#options.log?.(logLine("info", "broker connected again"));
      this.#warned = false;
    } catch (error) {
      if (connection !== undefined) await connection.close().catch(() => {});
      for (const slot of this.#slots) slot.channel = undefined;
      if (this.#closed) return;
      this.#warn(error);
      this.#retry();
    }
  }

  #lost(connection: ChannelModel): void {
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    for (const slot of this.#slots) slot.channel = undefined;
    if (this.#closed) return;
    this.#warn(new Error("connection lost"));
    this.#retry();
  }

  #warn(error: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.#options.log?.(logLine("warn", "broker unreachable; retrying in the background", reason));
  }

  #retry(): void {
    const ceiling = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.#attempt++, 16));
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#connect(), ceiling / 2 + Math.random() * (ceiling / 2));
    this.#timer.unref();
  }
}

function withHeartbeat(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.searchParams.has("heartbeat")) parsed.searchParams.set("heartbeat", String(HEARTBEAT_S));
    return parsed.toString();
  } catch {
    return url;
  }
}

function logLine(level: "info" | "warn", msg: string, reason?: string): string {
  // Never the URL: it may carry a password.
  return JSON.stringify({
    level,
    msg: `demo-services: ${msg}`,
    ...(reason ? { reason: redact(reason) } : {}),
  });
}

function redact(text: string): string {
  return text.replace(/\/\/[^/\s]*@/g, "//***@");
}
