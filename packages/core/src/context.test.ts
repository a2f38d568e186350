import { describe, expect, it } from "vitest";
import {
  acceptRequestId,
  continueTrace,
  createRequestContext,
  newRequestId,
  remainingMs,
  ServerTimings,
  traceparentOf,
  withIdentity,
  withSignal,
} from "./context.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";

describe("acceptRequestId", () => {
  it("keeps a well-formed request id", () => {
    for (const id of ["abc", "A-Z_a.z-09", "x".repeat(128), "7f3c9a2e-1b4d-4c5e-9f6a-0b1c2d3e4f50"]) {
      expect(acceptRequestId(id)).toBe(id);
    }
  });

  it("replaces a missing or malformed one with a fresh id", () => {
    for (const id of [
      undefined,
      "",
      "x".repeat(129),
      "has space",
      "semi;colon",
      "new\nline",
      "ünïcode",
      "a/b",
      "<script>",
    ]) {
      const accepted = acceptRequestId(id);
      expect(accepted).not.toBe(id);
      expect(accepted).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    }
  });

  it("makes new ids that are well formed and distinct", () => {
    const ids = new Set(Array.from({ length: 100 }, newRequestId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(acceptRequestId(id)).toBe(id);
  });
});

describe("continueTrace", () => {
  it("keeps the trace id and flags of a valid traceparent, with a new span id", () => {
    const trace = continueTrace(`00-${TRACE}-${PARENT}-01`);
    expect(trace.traceId).toBe(TRACE);
    expect(trace.flags).toBe("01");
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace.spanId).not.toBe(PARENT);
  });

  it("continues a traceparent of a later version, ignoring the fields it adds", () => {
    expect(continueTrace(`01-${TRACE}-${PARENT}-00-extra`).traceId).toBe(TRACE);
    expect(continueTrace(`02-${TRACE}-${PARENT}-01`).traceId).toBe(TRACE);
  });

  it("starts a new trace when none came or the one that came is invalid", () => {
    for (const header of [
      undefined,
      "",
      "garbage",
      `00-${"0".repeat(32)}-${PARENT}-01`,
      `00-${TRACE}-${"0".repeat(16)}-01`,
      `00-${TRACE.toUpperCase()}-${PARENT}-01`,
      `ff-${TRACE}-${PARENT}-01`,
      `00-${TRACE}-${PARENT}-01-extra`,
      `00-${TRACE.slice(1)}-${PARENT}-01`,
    ]) {
      const trace = continueTrace(header);
      expect(trace.traceId).not.toBe(TRACE);
      expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(trace.traceId).not.toMatch(/^0+$/);
      expect(trace.flags).toBe("01");
    }
  });

  it("renders the traceparent sent upstream: same trace, this gateway's span", () => {
    const trace = continueTrace(`00-${TRACE}-${PARENT}-01`);
    expect(traceparentOf(trace)).toBe(`00-${TRACE}-${trace.spanId}-01`);
    expect(continueTrace(traceparentOf(trace)).traceId).toBe(TRACE);
  });
});

describe("ServerTimings", () => {
  it("renders one entry per service, with one decimal", () => {
    const timings = new ServerTimings();
    timings.record("catalog", 12.4);
    timings.record("pricing", 3.06);
    expect(timings.header()).toBe("catalog;dur=12.4, pricing;dur=3.1");
    expect(timings.size).toBe(2);
  });

  it("adds up several calls to the same service", () => {
    const timings = new ServerTimings();
    timings.record("catalog", 10);
    timings.record("catalog", 2.5);
    expect(timings.header()).toBe("catalog;dur=12.5");
    expect([...timings.entries()]).toEqual([["catalog", 12.5]]);
  });

  it("has no header when nothing was called", () => {
    expect(new ServerTimings().header()).toBeUndefined();
  });

  it("renders calls recorded after the header was read", () => {
    const timings = new ServerTimings();
    timings.record("catalog", 1);
    expect(timings.header()).toBe("catalog;dur=1.0");
    timings.record("pricing", 2);
    expect(timings.header()).toBe("catalog;dur=1.0, pricing;dur=2.0");
  });
});

describe("createRequestContext", () => {
  it("sets the deadline on the performance clock and takes the given request id", () => {
    const before = performance.now();
    const ctx = createRequestContext({ requestId: "req-1", deadlineMs: 2000 });
    expect(ctx.requestId).toBe("req-1");
    expect(ctx.deadline).toBeGreaterThanOrEqual(before + 2000);
    expect(remainingMs(ctx)).toBeGreaterThan(1900);
    expect(remainingMs(ctx)).toBeLessThanOrEqual(2000);
    expect(ctx.signal.aborted).toBe(false);
    expect(ctx.identity).toBeUndefined();
    expect(ctx.timings.size).toBe(0);
  });

  it("makes a request id and continues the trace it is given", () => {
    const ctx = createRequestContext({ deadlineMs: 100, traceparent: `00-${TRACE}-${PARENT}-01` });
    expect(acceptRequestId(ctx.requestId)).toBe(ctx.requestId);
    expect(ctx.trace.traceId).toBe(TRACE);
  });

  it("copies rather than mutates in withIdentity and withSignal", () => {
    const ctx = createRequestContext({ deadlineMs: 100 });
    const signed = withIdentity(ctx, { customerId: "c1" });
    expect(signed.identity).toEqual({ customerId: "c1" });
    expect(ctx.identity).toBeUndefined();
    const controller = new AbortController();
    const child = withSignal(ctx, controller.signal);
    expect(child.signal).toBe(controller.signal);
    expect(ctx.signal).not.toBe(controller.signal);
    expect(child.timings).toBe(ctx.timings);
  });
});
