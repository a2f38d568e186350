import { describe, expect, it, vi } from "vitest";
import { Cancellation, whenStopped } from "./cancellation.js";
import { createRequestContext, withCancellation, withIdentity } from "./context.js";

describe("Cancellation", () => {
  it("tells each hook once, with the reason, and then its signal if one was made", () => {
    const cancellation = new Cancellation();
    const first = vi.fn();
    const second = vi.fn();
    cancellation.onAbort(first);
    cancellation.onAbort(second);
    const signal = cancellation.signal;
    const reason = new Error("timed out");
    cancellation.abort(reason);
    cancellation.abort(new Error("again"));
    expect(first).toHaveBeenCalledTimes(1);
    expect(first).toHaveBeenCalledWith(reason);
    expect(second).toHaveBeenCalledWith(reason);
    expect(cancellation.aborted).toBe(true);
    expect(cancellation.reason).toBe(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });

  it("makes its signal only when read, already aborted when it was", () => {
    const cancellation = new Cancellation();
    cancellation.abort("gone");
    expect(cancellation.signal.aborted).toBe(true);
    expect(cancellation.signal.reason).toBe("gone");
    expect(cancellation.signal).toBe(cancellation.signal);
  });

  it("forgets a hook taken back, and never calls a hook added after it aborted", () => {
    const cancellation = new Cancellation();
    const kept = vi.fn();
    const removed = vi.fn();
    cancellation.onAbort(kept);
    cancellation.onAbort(removed);
    cancellation.offAbort(removed);
    cancellation.abort("stop");
    const late = vi.fn();
    cancellation.onAbort(late);
    expect(kept).toHaveBeenCalledTimes(1);
    expect(removed).not.toHaveBeenCalled();
    expect(late).not.toHaveBeenCalled();
  });

  it("follows a parent signal or cancellation until released", () => {
    const parent = new AbortController();
    const { cancellation, release } = Cancellation.following(parent.signal);
    parent.abort("client left");
    expect(cancellation.aborted).toBe(true);
    expect(cancellation.reason).toBe("client left");
    release();

    const request = new Cancellation();
    const followed = Cancellation.following(request);
    followed.release();
    request.abort("late");
    expect(followed.cancellation.aborted).toBe(false);

    const gone = new Cancellation();
    gone.abort("before");
    expect(Cancellation.following(gone).cancellation.reason).toBe("before");
  });

  it("lets whenStopped listen to either kind of stop", () => {
    const hook = vi.fn();
    const controller = new AbortController();
    const cancellation = new Cancellation();
    const stopListening = whenStopped(controller.signal, hook);
    whenStopped(cancellation, hook);
    stopListening();
    controller.abort();
    cancellation.abort("x");
    expect(hook).toHaveBeenCalledTimes(1);
  });
});

describe("a request context's stop", () => {
  it("makes no signal until one is read, and derived contexts keep it lazy and shared", () => {
    const cancellation = new Cancellation();
    const ctx = createRequestContext({ deadlineMs: 1000, cancellation });
    const signedIn = withIdentity(ctx, { customerId: "c1" });
    expect(signedIn.cancellation).toBe(cancellation);
    expect(signedIn.identity).toEqual({ customerId: "c1" });
    expect(signedIn.requestId).toBe(ctx.requestId);
    const part = withCancellation(signedIn, new Cancellation());
    expect(part.identity).toEqual({ customerId: "c1" });
    expect(part.cancellation).not.toBe(cancellation);
    cancellation.abort("client left");
    expect(ctx.signal.aborted).toBe(true);
    expect(signedIn.signal.aborted).toBe(true);
    expect(part.signal.aborted).toBe(false);
  });

  it("gives a context made with a signal a derived stop that is the new cancellation's", () => {
    const controller = new AbortController();
    const ctx = createRequestContext({ deadlineMs: 1000, signal: controller.signal });
    const partStop = new Cancellation();
    const part = withCancellation(ctx, partStop);
    expect(part.cancellation).toBe(partStop);
    expect(part.signal).not.toBe(controller.signal);
    partStop.abort("required part failed");
    expect(part.signal.aborted).toBe(true);
    expect(controller.signal.aborted).toBe(false);
    expect(withIdentity(ctx, { partner: "acme" }).signal).toBe(controller.signal);
  });

  it("uses a signal it is given as its stop", () => {
    const controller = new AbortController();
    const ctx = createRequestContext({ deadlineMs: 1000, signal: controller.signal });
    expect(ctx.signal).toBe(controller.signal);
    expect(ctx.cancellation).toBeUndefined();
  });
});
