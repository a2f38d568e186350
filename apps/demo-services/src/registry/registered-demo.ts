import type { ServiceName } from "@portico/core";
import type { DemoServices } from "../start-demo-services.js";
import { registerInstances } from "./etcd-registration.js";
import type { RegistryConfig } from "./registry-config.js";

/**
 * Registers every service of a started demo in etcd, and returns the demo
 * with a `close` that deregisters first, waits `drainMs` (so the BFFs
 * watching the registry stop sending new calls), then closes the servers.
 * If registration fails, the demo is closed and the error rethrown.
 */
export async function withRegistration(
  demo: DemoServices,
  config: RegistryConfig,
  onError?: (error: unknown) => void,
): Promise<DemoServices> {
  const urls: Partial<Record<ServiceName, string>> = {};
  for (const [service, url] of Object.entries(demo.urls) as [ServiceName, string][]) {
    const advertised = new URL(url);
    advertised.hostname = config.advertiseHost;
    urls[service] = advertised.origin;
  }
  let registration: Awaited<ReturnType<typeof registerInstances>>;
  try {
    registration = await registerInstances({ config, urls, ...(onError ? { onError } : {}) });
  } catch (error) {
    await demo.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    ...demo,
    close: () => {
      closing ??= (async () => {
        await registration.close();
        if (config.drainMs > 0) await new Promise((resolve) => setTimeout(resolve, config.drainMs));
        await demo.close();
      })();
      return closing;
    },
  };
}
