import type { Etcd3, IKeyValue, IOptions, Watcher } from "etcd3";
import { isHostPort } from "../config/env.js";
import { RegistryUnavailableError } from "../errors/index.js";
import { lazyRequire } from "../lazy-require.js";
import type { ServiceInstance, ServiceRegistry } from "./service-registry.js";

// Loaded with the first registry: only `DISCOVERY=etcd` pays for etcd3 (and its gRPC stack).
const etcd3 = lazyRequire<typeof import("etcd3")>("etcd3");

export interface EtcdRegistryOptions {
  /** etcd client URLs (`ETCD_ENDPOINTS`), e.g. `["http://127.0.0.1:2379"]`. */
  endpoints: readonly string[];
  /**
   * Where instances live (`ETCD_PREFIX`): `<prefix>/<service>/<instanceId>`
   * = `{"url":"…"}`. Default `/services`.
   */
  prefix?: string;
  /**
   * Services whose instances are gRPC `host:port` addresses, not http(s)
   * URLs: `{"url":"10.0.0.7:7204"}` (e.g. `inventory-grpc`). Default none.
   */
  addressServices?: readonly string[];
  /** How long `ready()` waits for the first instance list before it rejects. Default 10 000 ms. */
  startupWaitMs?: number;
  /** Back-off between attempts to (re)load the list while etcd is unreachable: doubles from min to max. Default 250..5000 ms. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Deadline of each etcd request. Default 5000 ms. */
  requestTimeoutMs?: number;
  /** Told of every failure to reach etcd and of every ignored entry (logs). Must not throw. */
  onError?: (error: unknown) => void;
  /** Told whenever a service's list changed (logs). */
  onUpdate?: (service: string, instances: readonly ServiceInstance[]) => void;
}

type Listener = (service: string, instances: readonly ServiceInstance[]) => void;

/**
 * Client-side discovery on etcd: loads every `<prefix>/<service>/<id>` key,
 * then watches the prefix, so an instance that registers gets traffic as
 * soon as its put arrives, and one whose lease expires (or that
 * deregisters) leaves the rotation with its key.
 *
 * While etcd is unreachable the last known list is kept and used; the
 * watch reconnects with back-off and, once connected again, the whole list
 * is reloaded (events may have been compacted away meanwhile).
 * `ready()` resolves at the first successful load and rejects with
 * `RegistryUnavailableError` after `startupWaitMs` without one.
 */
export class EtcdRegistry implements ServiceRegistry {
  readonly #client: Etcd3;
  readonly #prefix: string;
  readonly #options: EtcdRegistryOptions;
  readonly #listeners = new Set<Listener>();
  /** service → instances, sorted by id (a stable order for round-robin). */
  #lists = new Map<string, readonly ServiceInstance[]>();
  /** Revision of the last full load: events up to it are already in the list. */
  #loadRevision = 0;
  /** Highest revision of an event applied since. */
  #eventRevision = 0;
  #watcher: Watcher | undefined;
  #stale = false;
  #closed = false;
  #lastError: unknown;
  #loaded = false;
  readonly #loadedPromise: Promise<void>;
  #markLoaded: () => void = () => {};
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: EtcdRegistryOptions) {
    if (options.endpoints.length === 0) throw new RangeError("EtcdRegistry needs at least one endpoint");
    this.#options = options;
    this.#prefix = `${(options.prefix ?? "/services").replace(/\/+$/, "")}/`;
    const requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    const retryMinMs = options.retryMinMs ?? 250;
    const retryMaxMs = options.retryMaxMs ?? 5000;
    const { Etcd3 } = etcd3();
    this.#client = new Etcd3({
      hosts: [...options.endpoints],
      dialTimeout: Math.min(requestTimeoutMs, 3000),
      // A hanging etcd must not stall a load forever; streams (the watch) have no deadline.
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
      faultHandling: {
        // The watch reconnects on its own; keep its back-off short (etcd3's default grows to 30 s).
        watchBackoff: backoff(retryMinMs, retryMaxMs),
        // etcd3 opens a 5 s circuit per host after 3 failures, which would hold a recovered etcd
        // unused for 5 s; this registry already retries with its own back-off.
        host: () => PASS_THROUGH,
      },
    });
    this.#loadedPromise = new Promise((resolve) => {
      this.#markLoaded = resolve;
    });
    void this.#start(retryMinMs, retryMaxMs);
  }

  instances(service: string): readonly ServiceInstance[] {
    return this.#lists.get(service) ?? [];
  }

  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  ready(): Promise<void> {
    if (this.#loaded) return Promise.resolve();
    const waitMs = this.#options.startupWaitMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        const last =
          this.#lastError instanceof Error ? `; last error: ${firstLine(this.#lastError.message)}` : "";
        reject(
          new RegistryUnavailableError(
            `Service registry unreachable: no answer from etcd at ${redact(this.#options.endpoints.join(","))} (ETCD_ENDPOINTS) within ${waitMs} ms${last}`,
            this.#lastError,
          ),
        );
      }, waitMs);
      this.#timers.add(timer);
      void this.#loadedPromise.then(() => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const watcher = this.#watcher;
    this.#watcher = undefined;
    // Cancelling needs a live stream; with etcd gone it would wait: don't.
    if (watcher !== undefined) await withTimeout(watcher.cancel(), 500).catch(() => {});
    this.#client.close();
  }

  /** Load, then watch; retried with back-off until it works or the registry is closed. */
  async #start(retryMinMs: number, retryMaxMs: number): Promise<void> {
    let delay = retryMinMs;
    while (!this.#closed) {
      try {
        await this.#load();
        this.#watch();
        return;
      } catch (error) {
        this.#report(error);
        await this.#sleep(delay);
        delay = Math.min(retryMaxMs, delay * 2);
      }
    }
  }

  /** Replaces the whole list with what etcd holds now. */
  async #load(): Promise<void> {
    for (;;) {
      const response = await this.#client.getAll().prefix(this.#prefix).exec();
      if (this.#closed) return;
      const revision = Number(response.header.revision);
      // An event newer than this read was applied while it ran: read again rather than go back in time.
      if (revision < this.#eventRevision) continue;
      const next = new Map<string, ServiceInstance[]>();
      for (const kv of response.kvs) {
        const entry = this.#parse(kv);
        if (entry === undefined) continue;
        const list = next.get(entry.service) ?? [];
        list.push(entry.instance);
        next.set(entry.service, list);
      }
      this.#loadRevision = revision;
      this.#eventRevision = revision;
      const previous = this.#lists;
      const lists = new Map([...next].map(([service, list]) => [service, sortById(list)] as const));
      this.#lists = lists;
      for (const service of new Set([...previous.keys(), ...lists.keys()])) {
        if (!sameInstances(previous.get(service) ?? [], lists.get(service) ?? [])) {
          this.#notify(service);
        }
      }
      if (!this.#loaded) {
        this.#loaded = true;
        this.#markLoaded();
      }
      return;
    }
  }

  #watch(): void {
    if (this.#closed) return;
    const watcher = this.#client
      .watch()
      .prefix(this.#prefix)
      .startRevision(String(this.#loadRevision + 1))
      .watcher();
    this.#watcher = watcher;
    watcher.on("put", (kv) => this.#applyEvent(kv, "put"));
    watcher.on("delete", (kv) => this.#applyEvent(kv, "delete"));
    watcher.on("disconnected", (error) => {
      this.#stale = true;
      this.#report(error);
    });
    watcher.on("connected", () => {
      if (!this.#stale) return;
      this.#stale = false;
      void this.#reload();
    });
    // etcd cancelled the watch (e.g. its start revision was compacted): start over.
    watcher.on("error", (error) => {
      this.#report(error);
      if (this.#watcher !== watcher) return;
      this.#watcher = undefined;
      void withTimeout(watcher.cancel(), 500).catch(() => {});
      void this.#start(this.#options.retryMinMs ?? 250, this.#options.retryMaxMs ?? 5000);
    });
  }

  /** After a reconnect: reload the list, retrying until it works (the old list stays in use). */
  async #reload(): Promise<void> {
    let delay = this.#options.retryMinMs ?? 250;
    while (!this.#closed && !this.#stale) {
      try {
        await this.#load();
        return;
      } catch (error) {
        this.#report(error);
        await this.#sleep(delay);
        delay = Math.min(this.#options.retryMaxMs ?? 5000, delay * 2);
      }
    }
  }

  #applyEvent(kv: IKeyValue, kind: "put" | "delete"): void {
    if (this.#closed) return;
    const revision = Number(kv.mod_revision);
    // Several keys of one transaction share a revision: skip only what the last load already holds.
    if (revision <= this.#loadRevision) return;
    this.#eventRevision = Math.max(this.#eventRevision, revision);
    const key = kv.key.toString();
    const parsed = parseKey(this.#prefix, key);
    if (parsed === undefined) return;
    const { service, id } = parsed;
    const current = this.#lists.get(service) ?? [];
    let next: ServiceInstance[] = current.filter((instance) => instance.id !== id);
    if (kind === "put") {
      const entry = this.#parse(kv);
      if (entry !== undefined) next = sortById([...next, entry.instance]);
    }
    if (sameInstances(current, next)) return;
    const lists = new Map(this.#lists);
    if (next.length === 0) lists.delete(service);
    else lists.set(service, next);
    this.#lists = lists;
    this.#notify(service);
  }

  #parse(kv: IKeyValue): { service: string; instance: ServiceInstance } | undefined {
    const key = kv.key.toString();
    const parsed = parseKey(this.#prefix, key);
    if (parsed === undefined) {
      this.#report(new Error(`registry: ignored key ${key}: expected ${this.#prefix}<service>/<instanceId>`));
      return undefined;
    }
    const address = this.#options.addressServices?.includes(parsed.service) === true;
    const url = parseUrl(kv.value.toString(), address);
    if (url === undefined) {
      const expected = address ? '{"url":"host:port"}' : '{"url":"http(s)://…"}';
      this.#report(new Error(`registry: ignored ${key}: the value must be ${expected}`));
      return undefined;
    }
    return { service: parsed.service, instance: { id: parsed.id, url } };
  }

  #notify(service: string): void {
    const instances = this.instances(service);
    this.#options.onUpdate?.(service, instances);
    for (const listener of this.#listeners) {
      try {
        listener(service, instances);
      } catch (error) {
        this.#report(error);
      }
    }
  }

  #report(error: unknown): void {
    // etcd3 fails fast for a while after repeated failures ("circuit breaker is open"): keep the real cause.
    if (!(isBrokenCircuit(error) && this.#lastError !== undefined)) this.#lastError = error;
    try {
      this.#options.onError?.(error);
    } catch {
      // A logging hook must not break discovery.
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}

function parseKey(prefix: string, key: string): { service: string; id: string } | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const parts = key.slice(prefix.length).split("/");
  if (parts.length !== 2) return undefined;
  const [service, id] = parts as [string, string];
  return service === "" || id === "" ? undefined : { service, id };
}

/** The entry's `url`: an http(s) URL, or with `address` a gRPC `host:port`; undefined when it is not one. */
function parseUrl(text: string, address: boolean): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const url = (value as { url?: unknown } | null)?.url;
  if (typeof url !== "string") return undefined;
  if (address) return isHostPort(url) ? url : undefined;
  try {
    const parsed = new URL(url);
    if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.hostname === "")
      return undefined;
  } catch {
    return undefined;
  }
  return url.replace(/\/+$/, "");
}

function sortById(list: ServiceInstance[]): ServiceInstance[] {
  return list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function sameInstances(a: readonly ServiceInstance[], b: readonly ServiceInstance[]): boolean {
  return (
    a.length === b.length && a.every((instance, i) => instance.id === b[i]?.id && instance.url === b[i]?.url)
  );
}

type HostPolicy = ReturnType<NonNullable<NonNullable<IOptions["faultHandling"]>["host"]>>;

/** A cockatiel policy that just runs the call (etcd3 only ever calls `execute` on it). */
const PASS_THROUGH = {
  execute: <T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T) =>
    Promise.resolve().then(() => fn({ signal: new AbortController().signal })),
} as unknown as HostPolicy;

/** etcd3's watch back-off (a cockatiel `IBackoff`): doubles from min to max with jitter. */
function backoff(
  minMs: number,
  maxMs: number,
  attempt = 0,
): { duration: number; next(): ReturnType<typeof backoff> } {
  const base = Math.min(maxMs, minMs * 2 ** attempt);
  return {
    duration: base / 2 + Math.random() * (base / 2),
    next: () => backoff(minMs, maxMs, attempt + 1),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function isBrokenCircuit(error: unknown): boolean {
  return (error as { isBrokenCircuitError?: unknown } | null)?.isBrokenCircuitError === true;
}

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? "").replace(/\s*Resolution note:\s*$/, "").slice(0, 200);
}

/** Never print credentials written into an endpoint (`//user:secret@`). */
function redact(text: string): string {
  return text.replace(/\/\/[^/\s]*@/g, "//***@");
}
