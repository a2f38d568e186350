import { describe, expect, it } from "vitest";
import { RecentBuffer } from "./recent-requests.js";

describe("RecentBuffer", () => {
  it("keeps the last items, newest first", () => {
    const buffer = new RecentBuffer<number>(3);
    expect(buffer.toArray()).toEqual([]);
    buffer.push(1);
    buffer.push(2);
    expect(buffer.toArray()).toEqual([2, 1]);
    buffer.push(3);
    buffer.push(4);
    buffer.push(5);
    expect(buffer.toArray()).toEqual([5, 4, 3]);
    expect(buffer.size).toBe(3);
  });
});
