import { describe, expect, it } from "vitest";
import { SlowestFirst } from "./slowest-first.js";

/** Runs `order()` `runs` times and returns the last order. */
const orderAfter = (slowestFirst: SlowestFirst, runs: number) => {
  let order: readonly number[] = [];
  for (let i = 0; i < runs; i++) order = slowestFirst.order();
  return [...order];
};

describe("SlowestFirst", () => {
  it("keeps the declared order until it has timed the parts", () => {
    const slowestFirst = new SlowestFirst(3);
    expect(orderAfter(slowestFirst, 100)).toEqual([0, 1, 2]);
  });

  it("starts the slowest part first once the parts are timed, re-ordering every 32 runs, not per run", () => {
    const slowestFirst = new SlowestFirst(4);
    slowestFirst.took(0, 5);
    slowestFirst.took(1, 30);
    slowestFirst.took(2, 10);
    slowestFirst.took(3, 40);
    expect(orderAfter(slowestFirst, 31)).toEqual([0, 1, 2, 3]);
    expect(orderAfter(slowestFirst, 1)).toEqual([3, 1, 2, 0]);
  });

  it("follows a part that became slow, by a running average rather than one sample", () => {
    const slowestFirst = new SlowestFirst(2);
    slowestFirst.took(0, 10);
    slowestFirst.took(1, 20);
    expect(orderAfter(slowestFirst, 32)).toEqual([1, 0]);
    // One slow answer does not move part 0 ahead of part 1; a run of them does.
    slowestFirst.took(0, 50);
    expect(orderAfter(slowestFirst, 32)).toEqual([1, 0]);
    for (let i = 0; i < 30; i++) slowestFirst.took(0, 50);
    expect(orderAfter(slowestFirst, 32)).toEqual([0, 1]);
  });

  it("puts a part not timed yet last, and keeps equals in their declared order", () => {
    const slowestFirst = new SlowestFirst(4);
    slowestFirst.took(1, 10);
    slowestFirst.took(2, 10);
    slowestFirst.took(3, 20);
    expect(orderAfter(slowestFirst, 32)).toEqual([3, 1, 2, 0]);
  });
});
