import { describe, expect, it } from "vitest";
import { faultSchema } from "./fault-schema.js";
import { FaultState } from "./fault-state.js";

function hits(state: FaultState, n: number, path = "/x"): boolean[] {
  return Array.from({ length: n }, () => state.forRequest(path) !== null);
}

describe("FaultState", () => {
  it("affects nothing without a fault", () => {
    expect(hits(new FaultState(), 3)).toEqual([false, false, false]);
  });

  it("affects every request at the default rate", () => {
    const state = new FaultState();
    state.set(faultSchema.parse({ mode: "hang" }));
    expect(hits(state, 3)).toEqual([true, true, true]);
  });

  it("applies a rate deterministically, as an exact fraction", () => {
    const state = new FaultState();
    state.set(faultSchema.parse({ mode: "error", rate: 0.5 }));
    expect(hits(state, 6)).toEqual([false, true, false, true, false, true]);
    state.set(faultSchema.parse({ mode: "error", rate: 0.29 }));
    expect(hits(state, 100).filter(Boolean)).toHaveLength(29);
    state.set(faultSchema.parse({ mode: "error", rate: 0 }));
    expect(hits(state, 10)).not.toContain(true);
  });

  it("only affects the given path prefixes", () => {
    const state = new FaultState();
    state.set(faultSchema.parse({ mode: "malformed", paths: ["/prices/p1"] }));
    expect(state.forRequest("/prices/p1")).not.toBeNull();
    expect(state.forRequest("/prices/p2")).toBeNull();
    expect(state.forRequest("/health")).toBeNull();
  });

  it("never answers refuse per request: that acts on the port", () => {
    const state = new FaultState();
    state.set(faultSchema.parse({ mode: "refuse" }));
    expect(state.forRequest("/x")).toBeNull();
    expect(state.current).toEqual({ mode: "refuse" });
  });
});

describe("faultSchema", () => {
  it("fills defaults", () => {
    expect(faultSchema.parse({ mode: "error" })).toEqual({ mode: "error", status: 500, rate: 1 });
  });

  it("takes reset-after-commit with a rate and paths", () => {
    expect(faultSchema.parse({ mode: "reset-after-commit", rate: 0.5, paths: ["/orders"] })).toEqual({
      mode: "reset-after-commit",
      rate: 0.5,
      paths: ["/orders"],
    });
  });

  it.each([
    [{ mode: "explode" }],
    [{ mode: "delay" }],
    [{ mode: "delay", ms: -1 }],
    [{ mode: "error", status: 200 }],
    [{ mode: "hang", rate: 2 }],
    [{ mode: "refuse", rate: 0.5 }],
    [{ mode: "reset", typo: 1 }],
    [{ mode: "reset-after-commit", ms: 10 }],
    [{ mode: "malformed", paths: ["no-slash"] }],
  ])("rejects %j", (body) => {
    expect(faultSchema.safeParse(body).success).toBe(false);
  });
});
