import { type FakeUpstream, sendJson, startFakeUpstream } from "./fake-upstream.js";

export interface QueueingUpstreamOptions {
  /** Requests served at a time; the others wait in line. */
  readonly capacity: number;
  /** How long serving one takes. */
  readonly serviceMs: number;
  /** The JSON every request is answered with. */
  readonly body: unknown;
}

/**
 * An upstream of fixed capacity, whose latency grows with its concurrency:
 * `capacity` requests are served at a time in `serviceMs` each, the rest
 * queue in order. Like a real overloaded server, it finishes the work of
 * callers that already left (the answer is then dropped).
 */
export async function startQueueingUpstream({
  capacity,
  serviceMs,
  body,
}: QueueingUpstreamOptions): Promise<FakeUpstream> {
  let busy = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    while (busy < capacity && queue.length > 0) {
      busy++;
      queue.shift()?.();
    }
  };
  return startFakeUpstream((_req, res) => {
    queue.push(() =>
      setTimeout(() => {
        busy--;
        if (!res.destroyed) sendJson(res, 200, body);
        next();
      }, serviceMs),
    );
    next();
  });
}

export interface ClosedLoopOptions {
  /** The URL every client GETs. */
  readonly url: string;
  readonly clients: number;
  readonly durationMs: number;
  /** A 200 slower than this is not counted as goodput. */
  readonly deadlineMs: number;
  /** A client waits this long after anything but a counted 200, as a client backing off would. */
  readonly backoffMs: number;
}

/** What a closed-loop load saw. */
export interface ClosedLoopResult {
  /** 200s within the deadline, per second. */
  readonly goodput: number;
  readonly p99Ms: number;
  /** Answers by status; 0 for no answer (a network error or the 5 s client timeout). */
  readonly statuses: Readonly<Record<number, number>>;
}

/** `clients` closed-loop clients GET `url` for `durationMs`: the goodput, p99 and statuses they saw. */
export async function closedLoop({
  url,
  clients,
  durationMs,
  deadlineMs,
  backoffMs,
}: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let good = 0;
  const end = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        let status = 0;
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
          await response.arrayBuffer();
          status = response.status;
        } catch {
          status = 0;
        }
        const took = performance.now() - started;
        latencies.push(took);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 200 && took <= deadlineMs) good++;
        else await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }),
  );
  latencies.sort((x, y) => x - y);
  return {
    goodput: good / (durationMs / 1000),
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    statuses,
  };
}
