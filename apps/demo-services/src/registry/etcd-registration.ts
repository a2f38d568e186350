import { Etcd3, type Lease } from "etcd3";
import type { RegistryConfig } from "./registry-config.js";

/** This process's entries in the registry; `close` removes them. */
export interface Registration {
  /** The keys written, e.g. `/services/catalog/host-123-ab12cd`. */
  readonly keys: readonly string[];
  /** Revokes the lease (etcd deletes every key at once); safe to call twice. */
  close(): Promise<void>;
}

export interface RegisterOptions {
  readonly config: RegistryConfig;
  /** Service name → the base URL to advertise. */
  readonly urls: Readonly<Record<string, string>>;
  /** Told when the lease is lost and when re-registering fails (logs). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Registers each service under `<prefix>/<service>/<instanceId>` =
 * `{"url":"…"}`, all on one lease that etcd3 keeps alive (a keep-alive
 * every third of the TTL). If the process dies the keep-alives stop and
 * etcd drops the keys when the TTL runs out; if the lease is lost while the
 * process lives (etcd was unreachable longer than the TTL), a new lease is
 * granted and the keys written again, retried with back-off.
 * Rejects if etcd cannot be reached within `config.waitMs`.
 */
export async function registerInstances({ config, urls, onError }: RegisterOptions): Promise<Registration> {
  const client = new Etcd3({
    hosts: [...config.endpoints],
    dialTimeout: 3000,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + 3000 }),
  });
  const entries = Object.entries(urls).map(([service, url]) => ({
    key: `${config.prefix}/${service}/${config.instanceId}`,
    value: JSON.stringify({ url }),
  }));
  let closed = false;
  let lease: Lease | undefined;
  let retry: NodeJS.Timeout | undefined;

  const grant = async (): Promise<void> => {
    const next = client.lease(config.leaseTtlS);
    // Without a listener a lost lease would be an unhandled 'error'-like event; re-register instead.
    next.on("lost", (error) => {
      if (closed || lease !== next) return;
      onError?.(error);
      lease = undefined;
      scheduleRegrant(250);
    });
    try {
      for (const { key, value } of entries) await next.put(key).value(value);
    } catch (error) {
      next.release();
      throw error;
    }
    lease = next;
  };
  const scheduleRegrant = (delayMs: number) => {
    retry = setTimeout(() => {
      retry = undefined;
      if (closed) return;
      grant().catch((error: unknown) => {
        onError?.(error);
        scheduleRegrant(Math.min(5000, delayMs * 2));
      });
    }, delayMs);
  };

  const deadline = Date.now() + config.waitMs;
  let cause: unknown;
  for (let delay = 250; ; delay = Math.min(2000, delay * 2)) {
    try {
      await grant();
      break;
    } catch (error) {
      // etcd3 fails fast for a while after repeated failures ("circuit breaker is open"): keep the real cause.
      if (
        cause === undefined ||
        (error as { isBrokenCircuitError?: unknown } | null)?.isBrokenCircuitError !== true
      )
        cause = error;
      if (Date.now() + delay >= deadline) {
        client.close();
        const reason = cause instanceof Error ? (cause.message.split("\n")[0] ?? "") : String(cause);
        throw new Error(
          `cannot register in etcd at ${config.endpoints.join(",")} (ETCD_ENDPOINTS) within ${config.waitMs} ms: ${reason}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  return {
    keys: entries.map(({ key }) => key),
    async close() {
      if (closed) return;
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      const current = lease;
      lease = undefined;
      // Revoking deletes the keys now; if etcd is gone, they expire with the lease anyway.
      if (current !== undefined) {
        await Promise.race([
          current.revoke().catch(() => {}),
          new Promise((resolve) => setTimeout(resolve, 2000)),
        ]);
      }
      client.close();
    },
  };
}
