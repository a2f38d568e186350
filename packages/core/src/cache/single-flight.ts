import { Cancellation, offStop, onStop, type Stop } from "../cancellation.js";
import { ClientClosedError } from "../errors/index.js";

/** One caller waiting for a flight's outcome. */
interface Waiter {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** The caller's own stop: its request's cancellation, or a signal. */
  readonly stop: Stop;
  onAbort: () => void;
}

interface Flight {
  readonly cancellation: Cancellation;
  readonly waiters: Waiter[];
}

/**
 * Coalesces concurrent identical calls: while one is in flight, later
 * callers with the same key wait for its answer instead of calling again.
 * The shared call is cancelled only when every waiter has gone away.
 *
 * Each flight settles its waiters itself (one promise per caller, no chain
 * of `then`s per flight): it is on the path of every upstream GET.
 */
export class SingleFlight {
  readonly #flights = new Map<string, Flight>();

  get inFlight(): number {
    return this.#flights.size;
  }

  /**
   * Runs `fn` (or joins the call already running for `key`). `onJoin` is
   * told when this caller shares an existing call. `fn` is handed the
   * call's cancellation: the call may abort it itself (its timeout), since
   * it is aborted here only once every waiter has gone.
   */
  do<T>(
    key: string,
    stop: Stop,
    fn: (cancellation: Cancellation) => Promise<T>,
    onJoin?: () => void,
  ): Promise<T> {
    // A caller already gone starts nothing and joins nothing.
    if (stop.aborted) return Promise.reject(new ClientClosedError());
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      const created: Flight = { cancellation: new Cancellation(), waiters: [] };
      flight = created;
      this.#flights.set(key, created);
      let call: Promise<T>;
      try {
        call = fn(created.cancellation);
      } catch (error) {
        // Thrown synchronously: a failed call like any other.
        call = Promise.reject(error);
      }
      call.then(
        (value) => this.#land(key, created, true, value),
        (error: unknown) => this.#land(key, created, false, error),
      );
    } else {
      onJoin?.();
    }
    return this.#wait(key, flight, stop) as Promise<T>;
  }

  /** The call settled: every caller still waiting gets its outcome. */
  #land(key: string, flight: Flight, ok: boolean, outcome: unknown): void {
    if (this.#flights.get(key) === flight) this.#flights.delete(key);
    const waiters = flight.waiters.splice(0);
    for (const waiter of waiters) {
      offStop(waiter.stop, waiter.onAbort);
      if (ok) waiter.resolve(outcome);
      else waiter.reject(outcome);
    }
  }

  #wait(key: string, flight: Flight, stop: Stop): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, stop, onAbort: () => {} };
      waiter.onAbort = () => {
        const at = flight.waiters.indexOf(waiter);
        // Already answered: the flight landed before the caller left.
        if (at === -1) return;
        flight.waiters.splice(at, 1);
        if (flight.waiters.length === 0) {
          flight.cancellation.abort(new ClientClosedError());
          // A later caller must not join a call that is being torn down.
          if (this.#flights.get(key) === flight) this.#flights.delete(key);
        }
        reject(new ClientClosedError());
      };
      onStop(stop, waiter.onAbort);
      flight.waiters.push(waiter);
    });
  }
}
