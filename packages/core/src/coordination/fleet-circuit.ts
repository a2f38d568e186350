import type { FleetCircuitChange, FleetCircuitLink } from "../resilience/circuit-breaker-policy.js";
import type { FleetBus } from "./fleet-bus.js";

// Deletes the trial's key only if this instance still holds it (a key that
// expired and was claimed again belongs to another instance's trial).
const RELEASE =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

interface CircuitMessage {
  readonly service: string;
  readonly from: string;
  readonly state: "open" | "closed";
  /** Open: until when, in ms since the epoch. */
  readonly until?: number;
}

export interface FleetCircuitOptions {
  readonly service: string;
  /**
   * How long a claimed half-open trial stays this instance's if it never
   * says how it went (it died): the others claim it again after that.
   */
  readonly trialTtlMs: number;
}

/**
 * One service's circuit shared by the fleet (contract section 5): the
 * state, not the counts. Each instance counts its own window; the one that
 * opens the circuit, closes it or reopens it after a failed trial tells the
 * others on the channel `<prefix>circuits`, and keeps the open state in
 * `<prefix>circuit:<service>` until it ends, for instances that start or
 * reconnect meanwhile. The half-open trial is claimed with
 * `SET <prefix>circuit:<service>:trial NX`: one instance of the fleet makes it.
 * Redis away: every instance acts alone (its own breaker, its own trial).
 */
export function fleetCircuit(bus: FleetBus, { service, trialTtlMs }: FleetCircuitOptions): FleetCircuitLink {
  const stateKey = bus.key(`circuit:${service}`);
  const trialKey = bus.key(`circuit:${service}:trial`);
  const channel = "circuits";
  bus.open();
  const publish = (message: CircuitMessage) => bus.redis.publish(bus.key(channel), JSON.stringify(message));
  return {
    listen(apply: (change: FleetCircuitChange) => void): () => void {
      const subscription = bus.subscribe(channel, (raw) => {
        const message = parse(raw);
        if (message === undefined || message.service !== service || message.from === bus.instanceId) return;
        apply(changeOf(message));
      });
      // Connected again (or at last): an open circuit decided meanwhile is in its key.
      const offReady = bus.onReady(() => {
        bus.redis.get(stateKey).then(
          (raw) => {
            const message = raw === null ? undefined : parse(raw);
            if (message?.state === "open") apply(changeOf(message));
          },
          () => {},
        );
      });
      return () => {
        subscription.close();
        offReady();
      };
    },
    tell(change: FleetCircuitChange): void {
      if (!bus.up) return;
      const message: CircuitMessage =
        change.state === "open"
          ? { service, from: bus.instanceId, state: "open", until: Date.now() + change.remainingMs }
          : { service, from: bus.instanceId, state: "closed" };
      const pipeline = bus.redis.multi();
      if (change.state === "open")
        pipeline.set(stateKey, JSON.stringify(message), "PX", Math.max(1, Math.ceil(change.remainingMs)));
      else pipeline.del(stateKey);
      // Redis failing now: every instance decides alone, as it would without Redis.
      pipeline.exec().catch(() => {});
      publish(message).catch(() => {});
    },
    claimTrial(): Promise<boolean> {
      if (!bus.up) return Promise.resolve(true);
      return bus.redis.set(trialKey, bus.instanceId, "PX", trialTtlMs, "NX").then(
        (set) => {
          bus.answered();
          return set === "OK";
        },
        (error: unknown) => {
          // Redis failing: this instance acts alone, so the trial is its own.
          bus.trip(error);
          return true;
        },
      );
    },
    releaseTrial(): void {
      if (!bus.up) return;
      bus.redis.eval(RELEASE, 1, trialKey, bus.instanceId).catch(() => {});
    },
  };
}

function changeOf(message: CircuitMessage): FleetCircuitChange {
  return message.state === "open"
    ? { state: "open", remainingMs: Math.max(0, (message.until ?? 0) - Date.now()) }
    : { state: "closed" };
}

function parse(raw: string): CircuitMessage | undefined {
  try {
    const value = JSON.parse(raw) as Partial<CircuitMessage>;
    if (typeof value.service !== "string" || typeof value.from !== "string") return undefined;
    if (value.state !== "open" && value.state !== "closed") return undefined;
    return value as CircuitMessage;
  } catch {
    return undefined;
  }
}
