import { ClientClosedError } from "../errors/index.js";

interface Flight {
  readonly promise: Promise<unknown>;
  readonly controller: AbortController;
  waiters: number;
}

/**
 * Coalesces concurrent identical calls: while one is in flight, later
 * callers with the same key wait for its answer instead of calling again.
 * The shared call is aborted only when every waiter has gone away.
 */
export class SingleFlight {
  readonly #flights = new Map<string, Flight>();

  get inFlight(): number {
    return this.#flights.size;
  }

  /**
   * Runs `fn` (or joins the call already running for `key`). `onJoin` is
   * told when this caller shares an existing call. `fn` is handed the
   * call's controller too: the call may abort it itself (its timeout),
   * since it is aborted here only once every waiter has gone.
   */
  do<T>(
    key: string,
    signal: AbortSignal,
    fn: (signal: AbortSignal, controller: AbortController) => Promise<T>,
    onJoin?: () => void,
  ): Promise<T> {
    // A caller already gone starts nothing and joins nothing.
    if (signal.aborted) return Promise.reject(new ClientClosedError());
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      const controller = new AbortController();
      let call: Promise<T>;
      try {
        call = fn(controller.signal, controller);
      } catch (error) {
        // Thrown synchronously: a failed call like any other.
        call = Promise.reject(error);
      }
      const promise = call.finally(() => {
        if (this.#flights.get(key) === created) this.#flights.delete(key);
      });
      // Waiters that left stop listening; the outcome must never be an unhandled rejection.
      promise.catch(() => {});
      const created: Flight = { promise, controller, waiters: 0 };
      flight = created;
      this.#flights.set(key, flight);
    } else {
      onJoin?.();
    }
    return this.#wait(key, flight, signal) as Promise<T>;
  }

  /**
   * Later callers of every key that starts with `prefix` start a call of
   * their own instead of joining one already in flight; callers already
   * waiting keep theirs, which is not aborted. A service client calls it
   * when a write to its service settles, so no read that starts after the
   * write is answered by a call that started before it.
   */
  forget(prefix: string): void {
    for (const key of this.#flights.keys()) {
      if (key.startsWith(prefix)) this.#flights.delete(key);
    }
  }

  #wait(key: string, flight: Flight, signal: AbortSignal): Promise<unknown> {
    flight.waiters++;
    return new Promise((resolve, reject) => {
      let waiting = true;
      const leave = () => {
        waiting = false;
        flight.waiters--;
      };
      const onAbort = () => {
        if (!waiting) return;
        leave();
        if (flight.waiters === 0) {
          flight.controller.abort(new ClientClosedError());
          // A later caller must not join a call that is being torn down.
          if (this.#flights.get(key) === flight) this.#flights.delete(key);
        }
        reject(new ClientClosedError());
      };
      signal.addEventListener("abort", onAbort, { once: true });
      flight.promise.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          if (!waiting) return;
          leave();
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          if (!waiting) return;
          leave();
          reject(error);
        },
      );
    });
  }
}
