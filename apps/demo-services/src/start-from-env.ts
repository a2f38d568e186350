import type { ServiceName } from "@portico/core";
import { ConfigError } from "./config/config-error.js";
import { type Env, parseConfig } from "./config/parse-config.js";
import { withRegistration } from "./registry/registered-demo.js";
import { parseRegistryConfig } from "./registry/registry-config.js";
import { type DemoServices, startDemoServices } from "./start-demo-services.js";

/** The one line main.ts prints once every server listens; tests parse it to find the URLs. */
export interface ReadyLine {
  readonly msg: "demo-services ready";
  readonly control: string;
  readonly services: Readonly<Partial<Record<ServiceName, string>>>;
  /** `host:port` of inventory's gRPC face, with `INVENTORY_TRANSPORT=grpc` only. */
  readonly grpc?: Readonly<{ inventory?: string }>;
}

export function readyLine(demo: DemoServices): ReadyLine {
  const line: ReadyLine = { msg: "demo-services ready", control: demo.controlUrl, services: demo.urls };
  return demo.grpcUrls.inventory === undefined ? line : { ...line, grpc: demo.grpcUrls };
}

export interface Output {
  write(line: string): unknown;
}

/**
 * What main.ts does before it waits for a signal: parse the env, start, and
 * print either the ready line (stdout) or one error line (stderr). Returns
 * undefined on failure; the caller exits 1.
 */
export async function startFromEnv(
  env: Env,
  io: { readonly stdout: Output; readonly stderr: Output },
): Promise<DemoServices | undefined> {
  let demo: DemoServices;
  try {
    const config = parseConfig(env);
    // DISCOVERY=etcd: every service registers itself once listening, and deregisters on close.
    const registry = parseRegistryConfig(env, config.host);
    // AMQP_URL: broker warnings (lost, back) go to stderr; stdout keeps its one ready line.
    const amqpLog = (line: string) => io.stderr.write(`${line}\n`);
    demo = await startDemoServices(
      config.amqp ? { ...config, amqp: { ...config.amqp, log: amqpLog } } : config,
    );
    if (registry !== undefined) {
      demo = await withRegistration(demo, registry, (error) =>
        io.stderr.write(
          `demo-services: registry: ${error instanceof Error ? error.message : String(error)}\n`,
        ),
      );
    }
  } catch (error) {
    const message =
      error instanceof ConfigError
        ? error.message
        : `cannot start: ${error instanceof Error ? error.message : String(error)}`;
    io.stderr.write(`demo-services: ${message}\n`);
    return undefined;
  }
  io.stdout.write(`${JSON.stringify(readyLine(demo))}\n`);
  return demo;
}
