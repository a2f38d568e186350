import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StatusFeed } from "./status-feed.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function subscriber() {
  const sent: string[] = [];
  let ended = 0;
  return {
    sent,
    ended: () => ended,
    send: (payload: string) => sent.push(payload),
    end: () => {
      ended++;
    },
  };
}

describe("StatusFeed", () => {
  it("sends at once, then about once a second, building once per tick for everyone", () => {
    let builds = 0;
    const feed = new StatusFeed({ build: () => String(++builds), intervalMs: 1000 });
    const a = subscriber();
    const b = subscriber();
    feed.subscribe(a);
    feed.subscribe(b);
    expect(a.sent).toEqual(["1"]);
    expect(b.sent).toEqual(["2"]);
    vi.advanceTimersByTime(1000);
    expect(a.sent).toEqual(["1", "3"]);
    expect(b.sent).toEqual(["2", "3"]);
    feed.close();
  });

  it("runs its timer only while someone listens", () => {
    let builds = 0;
    const feed = new StatusFeed({ build: () => String(++builds) });
    const unsubscribe = feed.subscribe(subscriber());
    unsubscribe();
    vi.advanceTimersByTime(5000);
    expect(builds).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("pushes at once when nudged, once for many nudges", async () => {
    let builds = 0;
    const feed = new StatusFeed({ build: () => String(++builds) });
    const a = subscriber();
    feed.subscribe(a);
    feed.nudge();
    feed.nudge();
    await vi.advanceTimersToNextTimerAsync();
    expect(a.sent).toEqual(["1", "2"]);
    feed.close();
  });

  it("ends every stream on close and refuses new ones", () => {
    const feed = new StatusFeed({ build: () => "{}" });
    const a = subscriber();
    feed.subscribe(a);
    feed.close();
    expect(a.ended()).toBe(1);
    const late = subscriber();
    feed.subscribe(late);
    expect(late.ended()).toBe(1);
    expect(late.sent).toEqual([]);
    expect(feed.subscribers).toBe(0);
  });
});
