import type { UpstreamAttemptEvent } from "../client/upstream-observer.js";
import type { InstanceHealth } from "./candidates.js";
import { type HealthProbe, httpHealthProbe } from "./health-probe.js";
import type { ServiceInstance, ServiceRegistry } from "./service-registry.js";

export interface OutlierDetectorOptions {
  /** Consecutive failed attempts (connection error, 5xx, timeout) that eject an instance. Default 5; 0 turns ejection off. */
  consecutiveFailures?: number;
  /** How long an instance stays out at its first ejection, in ms. Default 10 000. */
  ejectionMs?: number;
  /** Longest ejection: the period doubles each time an instance fails again right after returning. Default 10 × `ejectionMs`. */
  maxEjectionMs?: number;
  /** At most this share of a service's instances is ejected at once (at least one). Default 50. */
  maxEjectedPct?: number;
  /** Once the ejection period is over, how often `probe` asks an instance until it passes. Default 1000 ms. */
  healthCheckIntervalMs?: number;
  /** The active health check. Default `GET /health` with a 1 s timeout. */
  probe?: HealthProbe;
  /** Told when an instance leaves or rejoins the rotation (logs). */
  onChange?: (event: OutlierEvent) => void;
}

/** An instance left (`ejected`) or rejoined (`returned`) the rotation. */
export interface OutlierEvent {
  readonly service: string;
  readonly instance: ServiceInstance;
  readonly kind: "ejected" | "returned";
  /** For `ejected`: how long before health checks may bring it back. */
  readonly ejectionMs?: number;
}

/** One instance as the detector sees it (for `/admin/status`). */
export interface InstanceHealthStatus {
  readonly id: string;
  readonly url: string;
  readonly ejected: boolean;
  readonly consecutiveFailures: number;
}

interface State {
  readonly service: string;
  readonly instance: ServiceInstance;
  failures: number;
  ejected: boolean;
  /** Ejections in a row without a successful answer in between: doubles the period. */
  ejections: number;
  timer: NodeJS.Timeout | undefined;
  probe: AbortController | undefined;
}

/**
 * Passive outlier ejection with active recovery, per instance (the circuit
 * breaker stays per service). Every attempt's outcome is reported to
 * `attempt` (an `UpstreamObserver` hook): an instance whose last
 * `consecutiveFailures` attempts all failed by connection error, 5xx or
 * timeout is taken out of rotation for a back-off period (at once when
 * its connection was refused: nothing listens there); after it, `GET
 * /health` is probed every `healthCheckIntervalMs` and the first passing
 * probe brings the instance back. A 2xx or 4xx answer resets the count; a
 * wrongly shaped answer, a call the client abandoned or one that never
 * started changes nothing.
 */
export class OutlierDetector implements InstanceHealth {
  readonly #states = new Map<string, State>();
  readonly #registry: ServiceRegistry;
  readonly #threshold: number;
  readonly #ejectionMs: number;
  readonly #maxEjectionMs: number;
  readonly #maxEjectedPct: number;
  readonly #intervalMs: number;
  readonly #probe: HealthProbe;
  readonly #onChange: ((event: OutlierEvent) => void) | undefined;
  readonly #unsubscribe: () => void;
  #closed = false;

  constructor(registry: ServiceRegistry, options: OutlierDetectorOptions = {}) {
    const {
      consecutiveFailures = 5,
      ejectionMs = 10_000,
      maxEjectionMs = 10 * ejectionMs,
      maxEjectedPct = 50,
      healthCheckIntervalMs = 1000,
      probe = httpHealthProbe({ timeoutMs: Math.min(1000, healthCheckIntervalMs) }),
      onChange,
    } = options;
    for (const [name, value] of Object.entries({ consecutiveFailures, ejectionMs, healthCheckIntervalMs })) {
      if (!Number.isInteger(value) || value < 0)
        throw new RangeError(`${name} must be a whole number ≥ 0 (got ${value})`);
    }
    if (!(maxEjectedPct > 0 && maxEjectedPct <= 100)) {
      throw new RangeError(`maxEjectedPct must be in (0, 100] (got ${maxEjectedPct})`);
    }
    this.#registry = registry;
    this.#threshold = consecutiveFailures;
    this.#ejectionMs = ejectionMs;
    this.#maxEjectionMs = Math.max(ejectionMs, maxEjectionMs);
    this.#maxEjectedPct = maxEjectedPct;
    this.#intervalMs = Math.max(1, healthCheckIntervalMs);
    this.#probe = probe;
    this.#onChange = onChange;
    // An instance that left the registry takes its state (and timers) with it.
    this.#unsubscribe = registry.onChange((service, instances) => this.#prune(service, instances));
  }

  isEjected(service: string, instance: ServiceInstance): boolean {
    return this.#get(service, instance)?.ejected === true;
  }

  /** The `UpstreamObserver.attempt` hook. */
  attempt(event: UpstreamAttemptEvent): void {
    if (this.#closed || this.#threshold === 0) return;
    const verdict = verdictOf(event);
    if (verdict === "neutral") return;
    const { service, instance } = event;
    let state = this.#get(service, instance);
    if (verdict === "success") {
      if (state !== undefined && !state.ejected) {
        state.failures = 0;
        state.ejections = 0;
      }
      return;
    }
    if (state === undefined) {
      // Only instances the registry lists (not e.g. a broker queue standing in for one).
      const listed = this.#registry
        .instances(service)
        .some((i) => i.id === instance.id && i.url === instance.url);
      if (!listed) return;
      state = {
        service,
        instance,
        failures: 0,
        ejected: false,
        ejections: 0,
        timer: undefined,
        probe: undefined,
      };
      this.#states.set(keyOf(service, instance), state);
    }
    if (state.ejected) return;
    state.failures += 1;
    // Nothing listens there (the process died or is not up yet): no point in four more tries.
    const refused = isConnectionRefused(event.error);
    if ((refused || state.failures >= this.#threshold) && this.#mayEject(service)) this.#eject(state);
  }

  /** Each instance of `service` the registry lists, with its health. */
  status(service: string): InstanceHealthStatus[] {
    return this.#registry.instances(service).map((instance) => {
      const state = this.#get(service, instance);
      return {
        id: instance.id,
        url: instance.url,
        ejected: state?.ejected === true,
        consecutiveFailures: state?.failures ?? 0,
      };
    });
  }

  /** Stops every timer and probe; nothing is ejected afterwards. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    for (const state of this.#states.values()) this.#stop(state);
    this.#states.clear();
  }

  #get(service: string, instance: ServiceInstance): State | undefined {
    const state = this.#states.get(keyOf(service, instance));
    // A new registration under an old id is a new instance.
    return state?.instance.url === instance.url ? state : undefined;
  }

  #mayEject(service: string): boolean {
    const instances = this.#registry.instances(service);
    const ejected = instances.filter((instance) => this.isEjected(service, instance)).length;
    const allowed = Math.max(1, Math.floor((instances.length * this.#maxEjectedPct) / 100));
    return ejected < allowed;
  }

  #eject(state: State): void {
    const periodMs = Math.min(this.#maxEjectionMs, this.#ejectionMs * 2 ** state.ejections);
    state.ejected = true;
    state.ejections += 1;
    state.failures = 0;
    this.#onChange?.({
      service: state.service,
      instance: state.instance,
      kind: "ejected",
      ejectionMs: periodMs,
    });
    this.#schedule(state, periodMs);
  }

  #schedule(state: State, delayMs: number): void {
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.#check(state);
    }, delayMs);
    state.timer.unref?.();
  }

  async #check(state: State): Promise<void> {
    const controller = new AbortController();
    state.probe = controller;
    let healthy = false;
    try {
      healthy = await this.#probe(state.instance, controller.signal);
    } catch {
      healthy = false;
    }
    if (state.probe !== controller || controller.signal.aborted || this.#closed) return;
    state.probe = undefined;
    if (!healthy) {
      this.#schedule(state, this.#intervalMs);
      return;
    }
    state.ejected = false;
    state.failures = 0;
    this.#onChange?.({ service: state.service, instance: state.instance, kind: "returned" });
  }

  #stop(state: State): void {
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.timer = undefined;
    state.probe?.abort();
    state.probe = undefined;
  }

  #prune(service: string, instances: readonly ServiceInstance[]): void {
    const current = new Set(instances.map((instance) => keyOf(service, instance)));
    for (const [key, state] of this.#states) {
      if (state.service !== service) continue;
      const listed =
        current.has(key) && instances.some((i) => i.id === state.instance.id && i.url === state.instance.url);
      if (!listed) {
        this.#stop(state);
        this.#states.delete(key);
      }
    }
  }
}

function keyOf(service: string, instance: ServiceInstance): string {
  return `${service}\u0000${instance.id}`;
}

/**
 * What one attempt says about its instance: a connection error, a 5xx or a
 * timeout is a failure; a 2xx or 4xx answer a success; anything else
 * (a wrongly shaped 200, an abandoned call, a call refused before it
 * started) says nothing about the instance.
 */
function verdictOf(event: UpstreamAttemptEvent): "success" | "failure" | "neutral" {
  switch (event.outcome) {
    case "ok":
      return "success";
    case "timeout":
      return "failure";
    case "error":
      return event.status === undefined || event.status >= 500 ? "failure" : "neutral";
    default:
      return "neutral";
  }
}

/**
 * True when the connection was refused (`ECONNREFUSED` anywhere in the
 * cause chain, whatever the transport), or a transport said the call was
 * not sent at all for want of a connection (`notSent`: gRPC's channel
 * that cannot connect, whose errors carry no socket code).
 */
function isConnectionRefused(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const { code, notSent } = current as { code?: unknown; notSent?: unknown };
    if (code === "ECONNREFUSED" || (code === "UPSTREAM_CONNECTION" && notSent === true)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
