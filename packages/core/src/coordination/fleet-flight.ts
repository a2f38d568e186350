import { offStop, onStop, type Stop } from "../cancellation.js";
import type { SharedFlight } from "../client/service-client.js";
import { ClientClosedError } from "../errors/index.js";
import type { FleetBus } from "./fleet-bus.js";

// Ends a flight: its answer to whoever waits, and its key deleted if it is
// still this flight's (past its expiry another flight may hold the key).
const LAND =
  "redis.call('PUBLISH', KEYS[2], ARGV[2]) if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 1";

interface Landing {
  readonly ok: boolean;
  readonly value?: unknown;
}

/**
 * Identical upstream GETs coalesced across the instances of a fleet
 * (`REDIS_URL`, contract section 5): one upstream call per key while it
 * is in flight. The first caller claims `<prefix>flight:<key>` with
 * `SET NX` (its value names the flight), makes the call, and publishes how
 * it went on the flight's own channel; a caller that finds the key taken
 * subscribes to that channel and takes the answer, validated by its own
 * schema. It makes its own call instead when the flight fails (any error,
 * a 404 included: each instance reads its own), when no answer came
 * within its wait (the holder died or is slow), when the answer does not
 * validate, and at once when Redis is away or slower than its command
 * timeout. Within one instance, `SingleFlight` already made callers one.
 */
export class FleetFlight implements SharedFlight {
  readonly #bus: FleetBus;
  #flights = 0;

  constructor(bus: FleetBus) {
    this.#bus = bus;
    // Joining a flight needs a subscription in place within a round trip: the connection must be up before.
    bus.open();
  }

  run<T>(
    key: string,
    waitMs: number,
    stop: Stop,
    call: () => Promise<T>,
    accept: (value: unknown) => T | undefined,
  ): Promise<T> {
    const bus = this.#bus;
    if (!bus.up || waitMs <= 0) return call();
    const flightKey = bus.key(`flight:${key}`);
    this.#flights = (this.#flights + 1) % Number.MAX_SAFE_INTEGER;
    const flight = `${bus.instanceId}:${this.#flights}`;
    // SET NX GET (Redis 7): this flight's claim, or the name of the flight already holding the key.
    const claim = bus.redis.call(
      "SET",
      flightKey,
      flight,
      "PX",
      String(Math.ceil(waitMs)),
      "NX",
      "GET",
    ) as Promise<string | null>;
    return claim.then(
      (holder) => {
        bus.answered();
        return holder === null
          ? this.#hold(flightKey, flight, call)
          : this.#join(flightKey, holder, waitMs, stop, call, accept);
      },
      (error: unknown) => {
        // Redis failed or was too slow: this instance calls alone, and so do the next calls for a while.
        bus.trip(error);
        return call();
      },
    );
  }

  #hold<T>(flightKey: string, flight: string, call: () => Promise<T>): Promise<T> {
    const land = (landing: Landing) => {
      let message: string;
      try {
        message = JSON.stringify(landing);
      } catch {
        message = JSON.stringify({ ok: false });
      }
      this.#bus.redis
        .eval(LAND, 2, flightKey, this.#bus.key(`landed:${flight}`), flight, message)
        .catch(() => {});
    };
    const result = call();
    result.then(
      (value) => land({ ok: true, value }),
      () => land({ ok: false }),
    );
    return result;
  }

  #join<T>(
    flightKey: string,
    holder: string,
    waitMs: number,
    stop: Stop,
    call: () => Promise<T>,
    accept: (value: unknown) => T | undefined,
  ): Promise<T> {
    if (stop.aborted) return Promise.reject(new ClientClosedError());
    const bus = this.#bus;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = () => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        offStop(stop, onAbort);
        subscription.close();
        return true;
      };
      const alone = () => {
        if (finish()) call().then(resolve, reject);
      };
      const onAbort = () => {
        if (finish()) reject(new ClientClosedError());
      };
      const subscription = bus.subscribe(`landed:${holder}`, (raw) => {
        let landing: Landing;
        try {
          landing = JSON.parse(raw) as Landing;
        } catch {
          alone();
          return;
        }
        const value = landing.ok ? accept(landing.value) : undefined;
        if (value === undefined) alone();
        else if (finish()) resolve(value);
      });
      const timer = setTimeout(alone, waitMs);
      onStop(stop, onAbort);
      // Subscribed: if the flight already landed, its answer went by unheard; its key says so.
      subscription.active.then(
        (active) => {
          if (!active) {
            alone();
            return;
          }
          bus.redis.get(flightKey).then(
            (current) => {
              if (current !== holder) alone();
            },
            (error: unknown) => {
              bus.trip(error);
              alone();
            },
          );
        },
        () => alone(),
      );
    });
  }
}
