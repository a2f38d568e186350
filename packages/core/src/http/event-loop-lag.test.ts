import { afterEach, describe, expect, it } from "vitest";
import { EventLoopLag } from "./event-loop-lag.js";

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Blocks the event loop, as a CPU-bound request or a runaway loop would. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

let monitor: EventLoopLag | undefined;

afterEach(() => {
  monitor?.stop();
});

describe("EventLoopLag", () => {
  it("reads 0 until it is touched, and stays low on an idle loop", async () => {
    monitor = new EventLoopLag({ intervalMs: 20 });
    expect(monitor.lagMs).toBe(0);
    monitor.touch();
    await wait(150);
    expect(monitor.lagMs).toBeLessThan(50);
  });

  it("rises after the loop was blocked, smoothed rather than the raw pause", async () => {
    monitor = new EventLoopLag({ intervalMs: 20, smoothing: 0.5 });
    monitor.touch();
    await wait(50);
    block(400);
    // The overdue tick runs first thing after the block; read right after it.
    await wait(5);
    expect(monitor.lagMs).toBeGreaterThan(100);
    expect(monitor.lagMs).toBeLessThan(400);
  });

  it("forgets a single pause once the loop runs freely again", async () => {
    monitor = new EventLoopLag({ intervalMs: 20, smoothing: 0.5 });
    monitor.touch();
    block(300);
    await wait(30);
    const peak = monitor.lagMs;
    for (let i = 0; i < 12; i++) {
      monitor.touch();
      await wait(25);
    }
    expect(monitor.lagMs).toBeLessThan(peak / 4);
  });

  it("stops sampling by itself when nothing touched it for idleStopMs", async () => {
    monitor = new EventLoopLag({ intervalMs: 10, idleStopMs: 50 });
    monitor.touch();
    block(100);
    await wait(120);
    // Stopped: the reading is reset and no longer moves.
    expect(monitor.lagMs).toBe(0);
  });
});
