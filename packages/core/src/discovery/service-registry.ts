/** One reachable copy of a service. */
export interface ServiceInstance {
  /** Stable id (the URL for static instances, the registry key's last part for etcd). */
  readonly id: string;
  /** Base URL, e.g. `http://127.0.0.1:7101`. */
  readonly url: string;
}

/**
 * Where a service's instances are found. Implementations: static URLs from
 * configuration; a registry watched live (etcd).
 */
export interface ServiceRegistry {
  instances(service: string): readonly ServiceInstance[];
  /** Subscribes to changes of a service's instance list; returns the unsubscribe function. */
  onChange(listener: (service: string, instances: readonly ServiceInstance[]) => void): () => void;
  /**
   * Resolves once the first instance list has loaded (a static registry has
   * nothing to load); rejects when the registry cannot be reached in time.
   */
  ready?(): Promise<void>;
  close(): Promise<void>;
}
