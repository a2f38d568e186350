import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { SERVICE_NAMES, type ServiceName } from "@portico/core";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export { SERVICE_NAMES, type ServiceName };

/** A process this test started; stopped by its PID, never by name. */
export interface RunningProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  readonly output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

interface StartOptions {
  /** Path of the entry point, relative to the repo root. */
  entry: string;
  env: Record<string, string>;
  /** Flags for node itself, before the entry point. */
  nodeArgs?: readonly string[];
  /** Resolves with a value once a stdout line shows the process is ready. */
  ready: (line: string) => unknown;
  timeoutMs?: number;
}

async function start<T>({
  entry,
  env,
  nodeArgs = [],
  ready,
  timeoutMs = 20_000,
}: StartOptions): Promise<{ proc: RunningProcess; info: T }> {
  const child = spawn(process.execPath, [...nodeArgs, `${ROOT}${entry}`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = once(child, "exit");
  const proc: RunningProcess = {
    child,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      const [code] = (await exited) as [number | null];
      clearTimeout(timer);
      return code;
    },
  };
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${entry} not ready in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    lines.on("line", (line) => {
      output += `${line}\n`;
      const value = ready(line);
      if (value !== undefined) {
        clearTimeout(timer);
        resolve(value as T);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before it was ready:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await proc.stop("SIGKILL");
    throw error;
  });
  return { proc, info };
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export interface DemoShop extends RunningProcess {
  readonly urls: Record<ServiceName, string>;
  readonly control: string;
  /** `host:port` of inventory's gRPC face, when the shop runs with `INVENTORY_TRANSPORT=grpc`. */
  readonly grpc: { readonly inventory?: string };
  /**
   * `<SERVICE>_URL` variables pointing a BFF at this shop, and
   * `INVENTORY_GRPC_URL` when inventory answers over gRPC.
   */
  readonly env: Record<string, string>;
}

/** Starts apps/demo-services on free loopback ports. */
export async function startDemoShop(env: Record<string, string> = {}): Promise<DemoShop> {
  const { proc, info } = await start<{
    control: string;
    services: Record<ServiceName, string>;
    grpc?: { inventory?: string };
  }>({
    entry: "apps/demo-services/dist/main.js",
    env: { DEMO_BASE_PORT: "0", DEMO_CONTROL_PORT: "0", DEMO_HOST: "127.0.0.1", ...env },
    ready: (line) => {
      const json = parseJson(line);
      return json?.msg === "demo-services ready" ? json : undefined;
    },
  });
  const urlEnv = Object.fromEntries(
    Object.entries(info.services).map(([service, url]) => [`${service.toUpperCase()}_URL`, url]),
  );
  const grpc = info.grpc ?? {};
  if (grpc.inventory !== undefined) urlEnv.INVENTORY_GRPC_URL = grpc.inventory;
  return { ...proc, urls: info.services, control: info.control, grpc, env: urlEnv };
}

export interface RunningBff extends RunningProcess {
  readonly url: string;
}

/**
 * Starts a BFF (`mobile-bff`, `web-bff`, `partner-bff`) built to dist, on a
 * free port; `nodeArgs` go to node itself.
 */
export async function startBff(
  app: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<RunningBff> {
  const { proc, info } = await start<{ url: string }>({
    entry: `apps/${app}/dist/main.js`,
    env: { PORT: "0", LOG_LEVEL: "warn", ...env },
    nodeArgs,
    ready: (line) => {
      const json = parseJson(line);
      return typeof json?.msg === "string" && json.msg.endsWith("listening") ? json : undefined;
    },
  });
  return { ...proc, url: info.url };
}

/** Sets a fault on one demo service through the control server. */
export async function injectFault(
  shop: DemoShop,
  service: ServiceName,
  fault: Record<string, unknown>,
): Promise<void> {
  const response = await fetch(`${shop.control}/_faults/${service}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  });
  if (!response.ok)
    throw new Error(`fault on ${service} refused: ${response.status} ${await response.text()}`);
}

export async function clearFaults(shop: DemoShop): Promise<void> {
  const response = await fetch(`${shop.control}/_faults`, { method: "DELETE" });
  if (!response.ok) throw new Error(`clearing faults failed: ${response.status}`);
}

export interface RecordedRequest {
  service: string;
  method: string;
  path: string;
  query: string;
  requestId: string | null;
  traceparent: string | null;
  idempotencyKey: string | null;
}

/** What the demo services received (optionally of one service). */
export async function recordedRequests(shop: DemoShop, service?: ServiceName): Promise<RecordedRequest[]> {
  const query = service === undefined ? "" : `?service=${service}`;
  const response = await fetch(`${shop.control}/_requests${query}`);
  const body = (await response.json()) as { items: RecordedRequest[] };
  return body.items;
}

/** How many orders the demo shop has placed since its last reset. */
export async function ordersPlaced(shop: DemoShop): Promise<number> {
  const response = await fetch(`${shop.control}/_admin/orders/count`);
  return ((await response.json()) as { placed: number }).placed;
}

export async function clearRecordedRequests(shop: DemoShop): Promise<void> {
  await fetch(`${shop.control}/_requests`, { method: "DELETE" });
}

export interface ServiceStats {
  inFlight: number;
  total: number;
  closedByClient: number;
}

/** Counters a demo service keeps about the requests it received. */
export async function serviceStats(shop: DemoShop, service: ServiceName): Promise<ServiceStats> {
  const response = await fetch(`${shop.control}/_stats/${service}`);
  return (await response.json()) as ServiceStats;
}

/** Mints a customer token from the demo auth service. */
export async function tokenFor(shop: DemoShop, customerId: string, expiresIn?: number): Promise<string> {
  const response = await fetch(`${shop.urls.auth}/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(expiresIn === undefined ? { customerId } : { customerId, expiresIn }),
  });
  if (!response.ok) throw new Error(`token for ${customerId}: ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
