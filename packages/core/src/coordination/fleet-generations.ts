import type { Generation, ReadGenerations } from "../client/read-generations.js";
import type { FleetBus, Subscription } from "./fleet-bus.js";

// A new generation of one service's reads: counted in the fleet's hash, and
// told to every instance on the channel, in one step.
const BUMP =
  "local n = redis.call('HINCRBY', KEYS[1], ARGV[1], 1) redis.call('PUBLISH', KEYS[2], ARGV[1] .. ' ' .. n) return n";

interface Cell {
  value: string;
  /** The fleet's newest generation of the service this instance knows of. */
  fleet: number;
  /** The value follows `fleet`: the fleet's generations have been read (`#sync`). */
  synced: boolean;
  /** Writes the fleet has not been told of yet (Redis was away, or not answered yet): while any, the value is this instance's own. */
  untold: number;
  /** A later try to tell the fleet of that write is set. */
  retrying: boolean;
}

/** How long after a failed try a write is told again: the fleet bus's cool-down. */
const RETRY_MS = 5_000;

/**
 * The fleet's generations of reads (`REDIS_URL`, contract 2.6 and 5): a
 * write through any instance moves every instance to a new generation of
 * that service's reads, so the customer's next read through another
 * instance joins no flight and no fresh-cache entry from before the write.
 *
 * The fleet's generation of a service is a counter in the hash
 * `<prefix>generations`; a write increments it and publishes the new
 * number on `<prefix>generations`, before the write answers. Each
 * instance takes the highest number it has heard, and reads the hash
 * whenever its subscription is (again) in place, since a number published
 * meanwhile went by unheard. Until then, and for a write made while Redis
 * was away, an instance reads in a generation of its own (coalescing and
 * the fresh cache are then its own, as without the fleet); the fleet is
 * told of such a write once Redis answers again.
 */
export class FleetReadGenerations implements ReadGenerations {
  readonly #bus: FleetBus;
  /** The hash's key, which is also the channel's name. */
  readonly #key: string;
  readonly #cells = new Map<string, Cell>();
  readonly #subscription: Subscription;
  readonly #offReady: () => void;
  #own = 0;
  /** The hash was read once: a service first seen after that starts in the fleet's generation. */
  #synced = false;
  #closed = false;

  constructor(bus: FleetBus) {
    this.#bus = bus;
    this.#key = bus.key("generations");
    bus.open();
    this.#subscription = bus.subscribe("generations", (message) => {
      const [service = "", number = ""] = message.split(" ");
      const fleet = Number(number);
      if (service !== "" && Number.isSafeInteger(fleet)) this.#heard(service, fleet);
    });
    this.#offReady = bus.onReady(() => this.#sync());
  }

  current(service: string): Generation {
    return this.#cell(service);
  }

  #cell(service: string): Cell {
    let cell = this.#cells.get(service);
    if (cell === undefined) {
      cell = this.#synced
        ? { value: "0", fleet: 0, synced: true, untold: 0, retrying: false }
        : { value: this.#ownValue(0), fleet: 0, synced: false, untold: 0, retrying: false };
      this.#cells.set(service, cell);
    }
    return cell;
  }

  written(service: string): Promise<void> {
    const cell = this.#cell(service);
    // This instance's next read is a new generation at once, whatever Redis does.
    cell.value = this.#ownValue(cell.fleet);
    cell.untold++;
    return this.#tell(service, cell);
  }

  close(): void {
    this.#closed = true;
    this.#subscription.close();
    this.#offReady();
  }

  /** Tells the fleet of a write to `service`; `now` even while the bus cools down (Redis just answered). */
  #tell(service: string, cell: Cell, now = false): Promise<void> {
    const bus = this.#bus;
    if (!now && !bus.up) {
      this.#retry(service, cell);
      return Promise.resolve();
    }
    // One count tells the fleet of every write so far; a write made meanwhile waits for its own.
    const told = cell.untold;
    return bus.redis.eval(BUMP, 2, this.#key, this.#key, service).then(
      (fleet) => {
        bus.answered();
        cell.untold = Math.max(0, cell.untold - told);
        this.#heard(service, Number(fleet));
      },
      (error: unknown) => {
        // Redis failing: the write stays this instance's own until the fleet hears of it, on a
        // later try or when the subscription is back (`#sync`).
        bus.trip(error);
        this.#retry(service, cell);
      },
    );
  }

  #retry(service: string, cell: Cell): void {
    if (cell.retrying || this.#closed) return;
    cell.retrying = true;
    setTimeout(() => {
      cell.retrying = false;
      if (cell.untold > 0 && !this.#closed) void this.#tell(service, cell);
    }, RETRY_MS).unref();
  }

  /** The fleet's generation `fleet` of `service` was published (or read from the hash). */
  #heard(service: string, fleet: number): void {
    const cell = this.#cell(service);
    if (fleet > cell.fleet) cell.fleet = fleet;
    if (cell.synced && cell.untold === 0) cell.value = String(cell.fleet);
  }

  /** Subscribed (again): the fleet's numbers, and the writes it missed. */
  #sync(): void {
    const bus = this.#bus;
    bus.redis.hgetall(this.#key).then(
      (hash) => {
        bus.answered();
        for (const [service, number] of Object.entries(hash)) {
          const fleet = Number(number);
          const cell = this.#cell(service);
          if (Number.isSafeInteger(fleet) && fleet > cell.fleet) cell.fleet = fleet;
        }
        this.#synced = true;
        for (const [service, cell] of this.#cells) {
          cell.synced = true;
          if (cell.untold > 0) void this.#tell(service, cell, true);
          else this.#heard(service, cell.fleet);
        }
      },
      (error: unknown) => bus.trip(error),
    );
  }

  /** A generation no other instance reads in. */
  #ownValue(fleet: number): string {
    this.#own = (this.#own + 1) % Number.MAX_SAFE_INTEGER;
    return `${fleet}.${this.#bus.instanceId}.${this.#own}`;
  }
}
