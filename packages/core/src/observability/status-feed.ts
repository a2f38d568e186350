/** One live subscriber of the status feed (an open server-sent-events stream). */
export interface FeedSubscriber {
  send(payload: string): void;
  /** The feed is closing (shutdown): end the stream. */
  end(): void;
}

export interface StatusFeedOptions {
  /** Builds the payload (the status JSON); called once per tick for every subscriber. */
  build: () => string;
  /** Default 1000 ms. */
  intervalMs?: number;
}

/**
 * Pushes the status to every open dashboard about once a second. The status
 * is built once per tick whatever the number of subscribers, and the timer
 * only runs while someone is subscribed. `nudge()` pushes at once (on a
 * circuit state change) without waiting for the next tick.
 */
export class StatusFeed {
  readonly #build: () => string;
  readonly #intervalMs: number;
  readonly #subscribers = new Set<FeedSubscriber>();
  #timer: NodeJS.Timeout | undefined;
  #nudged: NodeJS.Immediate | undefined;
  #closed = false;

  constructor({ build, intervalMs = 1000 }: StatusFeedOptions) {
    this.#build = build;
    this.#intervalMs = intervalMs;
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Sends the current status at once, then on every tick; returns the unsubscribe function. */
  subscribe(subscriber: FeedSubscriber): () => void {
    if (this.#closed) {
      subscriber.end();
      return () => {};
    }
    this.#subscribers.add(subscriber);
    subscriber.send(this.#build());
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#broadcast(), this.#intervalMs);
      this.#timer.unref();
    }
    return () => {
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size === 0) this.#stop();
    };
  }

  /** Pushes an update now (coalesced: many nudges in one turn push once). */
  nudge(): void {
    if (this.#subscribers.size === 0 || this.#nudged !== undefined) return;
    this.#nudged = setImmediate(() => {
      this.#nudged = undefined;
      this.#broadcast();
    });
  }

  /** Ends every stream and refuses new ones (shutdown). */
  close(): void {
    this.#closed = true;
    this.#stop();
    const subscribers = [...this.#subscribers];
    this.#subscribers.clear();
    for (const subscriber of subscribers) subscriber.end();
  }

  #broadcast(): void {
    if (this.#subscribers.size === 0) return;
    const payload = this.#build();
    for (const subscriber of this.#subscribers) subscriber.send(payload);
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#nudged !== undefined) clearImmediate(this.#nudged);
    this.#nudged = undefined;
  }
}
