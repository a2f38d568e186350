import type { ServiceName } from "@portico/core";

/** One request a service received, as `GET /_requests` lists it. */
export interface RecordedRequest {
  readonly service: ServiceName;
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** The raw query string without `?`; empty when there was none. */
  readonly query: string;
  /** The `X-Request-Id` header, or null. */
  readonly requestId: string | null;
  /** The `traceparent` header, or null. */
  readonly traceparent: string | null;
  /** The `Idempotency-Key` header (writes), or null. */
  readonly idempotencyKey: string | null;
  /** ISO-8601 time the request arrived. */
  readonly at: string;
}

/** Per-service counters, as `GET /_stats` lists them. */
export interface ServiceStats {
  /** Requests that arrived and have not finished or closed yet. */
  inFlight: number;
  /** Requests received since start (or the last reset). */
  total: number;
  /** Requests whose client closed the connection before the answer was complete. */
  closedByClient: number;
}

interface Entry {
  readonly seq: number;
  readonly request: RecordedRequest;
}

/**
 * Bounded log of the requests each service received, and live counters.
 * Tests use it to see what a BFF really sent upstream (ids, trace headers)
 * and whether it cancelled calls it no longer needed.
 */
export class RequestRecorder {
  readonly #limit: number;
  readonly #entries = new Map<ServiceName, Entry[]>();
  readonly #stats = new Map<ServiceName, ServiceStats>();
  #seq = 0;

  /** @param limit requests kept per service (default 1000); older ones are dropped. */
  constructor(limit = 1000) {
    this.#limit = limit;
  }

  record(request: RecordedRequest): void {
    let list = this.#entries.get(request.service);
    if (!list) {
      list = [];
      this.#entries.set(request.service, list);
    }
    list.push({ seq: this.#seq++, request });
    if (list.length > this.#limit) list.splice(0, list.length - this.#limit);
  }

  /** Oldest first; all services interleaved in arrival order when none is given. */
  list(service?: ServiceName): RecordedRequest[] {
    const lists = service ? [this.#entries.get(service) ?? []] : [...this.#entries.values()];
    return lists
      .flat()
      .sort((a, b) => a.seq - b.seq)
      .map((e) => e.request);
  }

  clear(service?: ServiceName): void {
    if (service) this.#entries.delete(service);
    else this.#entries.clear();
  }

  /** The live counters of one service (created on first use). */
  stats(service: ServiceName): ServiceStats {
    let stats = this.#stats.get(service);
    if (!stats) {
      stats = { inFlight: 0, total: 0, closedByClient: 0 };
      this.#stats.set(service, stats);
    }
    return stats;
  }

  /** A copy of one service's counters. */
  snapshot(service: ServiceName): ServiceStats {
    return { ...this.stats(service) };
  }

  /** Zeroes `total` and `closedByClient`; `inFlight` stays true to what is open. */
  resetStats(service?: ServiceName): void {
    const names = service ? [service] : [...this.#stats.keys()];
    for (const name of names) {
      const stats = this.stats(name);
      stats.total = 0;
      stats.closedByClient = 0;
    }
  }
}
