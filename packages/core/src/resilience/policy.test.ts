import { describe, expect, it } from "vitest";
import type { PolicyContext } from "../context.js";
import { childAbortController, type Policy, wrap } from "./policy.js";

const ctx = (): PolicyContext => ({
  signal: new AbortController().signal,
  deadline: performance.now() + 1000,
});

/** A policy that notes when it is entered and left. */
function tracer(name: string, log: string[]): Policy {
  return {
    async execute(fn, context) {
      log.push(`${name}>`);
      try {
        return await fn(context);
      } finally {
        log.push(`<${name}`);
      }
    },
  };
}

describe("wrap", () => {
  it("runs the policies outermost first around the call", async () => {
    const log: string[] = [];
    const policy = wrap(tracer("retry", log), tracer("breaker", log), tracer("timeout", log));
    await expect(
      policy.execute(async () => {
        log.push("call");
        return "ok";
      }, ctx()),
    ).resolves.toBe("ok");
    expect(log).toEqual(["retry>", "breaker>", "timeout>", "call", "<timeout", "<breaker", "<retry"]);
  });

  it("passes each policy's context on to the next", async () => {
    const inner: PolicyContext = ctx();
    const swap: Policy = { execute: (fn) => fn(inner) };
    await wrap(swap).execute(async (seen) => expect(seen).toBe(inner), ctx());
  });

  it("with no policy, just runs the call", async () => {
    await expect(wrap().execute(async () => 1, ctx())).resolves.toBe(1);
  });
});

describe("childAbortController", () => {
  it("aborts the child when the parent aborts, with the parent's reason", () => {
    const parent = new AbortController();
    const { controller } = childAbortController(parent.signal);
    parent.abort("gone");
    expect(controller.signal.aborted).toBe(true);
    expect(controller.signal.reason).toBe("gone");
  });

  it("aborts the child alone without touching the parent", () => {
    const parent = new AbortController();
    const { controller } = childAbortController(parent.signal);
    controller.abort();
    expect(parent.signal.aborted).toBe(false);
  });

  it("starts aborted under an aborted parent", () => {
    const parent = new AbortController();
    parent.abort();
    expect(childAbortController(parent.signal).controller.signal.aborted).toBe(true);
  });

  it("stops following the parent once released", () => {
    const parent = new AbortController();
    const { controller, release } = childAbortController(parent.signal);
    release();
    parent.abort();
    expect(controller.signal.aborted).toBe(false);
  });
});
