import { setMaxListeners } from "node:events";

/** Told once, with the reason, when a cancellation is aborted. */
export type AbortHook = (reason: unknown) => void;

/**
 * One upstream call's "stop now": aborted by its timeout, or when every
 * caller waiting for it has gone. It does what an AbortController does for
 * the call, without making one: an AbortSignal is an EventTarget, and one per
 * call (plus a listener added and removed per attempt) cost more CPU than the
 * rest of the call pipeline together, most of it in the garbage collector
 * (docs/performance.md). Code that needs a standard signal (a custom
 * transport, `fetch`, amqplib) reads `signal`, and only then is one made.
 */
export class Cancellation {
  #aborted = false;
  #reason: unknown;
  // Most calls have one or two hooks at a time (the attempt, the transport).
  #hooks: AbortHook[] | undefined;
  #controller: AbortController | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** A standard signal that follows this cancellation, made on first read. */
  get signal(): AbortSignal {
    let controller = this.#controller;
    if (controller === undefined) {
      controller = new AbortController();
      // A coalesced call's signal is shared by every part that reads it: many listeners are expected.
      setMaxListeners(0, controller.signal);
      if (this.#aborted) controller.abort(this.#reason);
      this.#controller = controller;
    }
    return controller.signal;
  }

  /** Calls `hook` on abort (never if already aborted: check `aborted` first). Undo with `offAbort`. */
  onAbort(hook: AbortHook): void {
    if (this.#aborted) return;
    if (this.#hooks === undefined) this.#hooks = [hook];
    else this.#hooks.push(hook);
  }

  offAbort(hook: AbortHook): void {
    const hooks = this.#hooks;
    if (hooks === undefined) return;
    const at = hooks.lastIndexOf(hook);
    if (at === -1) return;
    if (at === hooks.length - 1) hooks.pop();
    else hooks.splice(at, 1);
  }

  /** Aborts once: every hook is told, then the signal if one was made. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const hooks = this.#hooks;
    this.#hooks = undefined;
    if (hooks !== undefined) for (const hook of hooks) hook(reason);
    this.#controller?.abort(reason);
  }

  /**
   * A cancellation aborted when `parent` is (at once if it already is);
   * `release` stops following it.
   */
  static following(parent: Stop): { cancellation: Cancellation; release: () => void } {
    const cancellation = new Cancellation();
    if (parent.aborted) {
      cancellation.abort(parent.reason);
      return { cancellation, release: noop };
    }
    const onAbort = () => cancellation.abort(parent.reason);
    return { cancellation, release: whenStopped(parent, onAbort) };
  }
}

/** What tells a caller to stop: a standard signal, or a cancellation. */
export type Stop = AbortSignal | Cancellation;

/**
 * Calls `hook` once when `stop` aborts (never if it already has: check
 * `aborted` first). Undo with `offStop`; nothing is allocated, for the
 * call path. A signal's hook is given its abort event.
 */
export function onStop(stop: Stop, hook: AbortHook): void {
  if (stop instanceof Cancellation) stop.onAbort(hook);
  else stop.addEventListener("abort", hook, { once: true });
}

export function offStop(stop: Stop, hook: AbortHook): void {
  if (stop instanceof Cancellation) stop.offAbort(hook);
  else stop.removeEventListener("abort", hook);
}

/** `onStop`, returning the function that stops listening. */
export function whenStopped(stop: Stop, hook: () => void): () => void {
  onStop(stop, hook);
  return () => offStop(stop, hook);
}

const noop = () => {};
