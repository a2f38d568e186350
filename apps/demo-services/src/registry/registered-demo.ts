import { INVENTORY_GRPC_REGISTRY_NAME } from "@portico/core";
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
  const urls: Record<string, string> = {};
  for (const [service, url] of Object.entries(demo.urls)) {
    const advertised = new URL(url);
    advertised.hostname = config.advertiseHost;
    urls[service] = advertised.origin;
  }
  // Inventory's gRPC face as `host:port`, under the name the contract gives it (section 3).
  const grpc = demo.grpcUrls.inventory;
  if (grpc !== undefined) {
    const host = config.advertiseHost.includes(":") ? `[${config.advertiseHost}]` : config.advertiseHost;
    urls[INVENTORY_GRPC_REGISTRY_NAME] = `${host}:${grpc.slice(grpc.lastIndexOf(":") + 1)}`;
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
