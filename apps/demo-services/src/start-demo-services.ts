import { SERVICE_NAMES, type ServiceName } from "@portico/core";
import type { Router } from "express";
import { type DemoAmqp, type DemoAmqpOptions, startDemoAmqp } from "./amqp/start-demo-amqp.js";
import { type AuthKeys, createAuthKeys } from "./auth/auth-keys.js";
import { createControlApp } from "./control/control-app.js";
import { DEFAULT_AUTH_AUDIENCE, DEFAULT_AUTH_ISSUER, DEFAULT_CONTROL_PORT } from "./defaults.js";
import { type Fault, type FaultInput, faultSchema } from "./faults/fault-schema.js";
import type { ManagedGrpcServer } from "./grpc/grpc-server.js";
import { type RecordedRequest, RequestRecorder, type ServiceStats } from "./recording/request-recorder.js";
import { seed as defaultSeed, type Seed } from "./seed/seed.js";
import { ManagedServer } from "./server/managed-server.js";
import { ServiceInstance } from "./server/service-instance.js";
import { authRoutes } from "./services/auth.js";
import { cartRoutes } from "./services/cart.js";
import { catalogRoutes } from "./services/catalog.js";
import { customersRoutes } from "./services/customers.js";
import { inventoryRoutes } from "./services/inventory.js";
import { ordersRoutes } from "./services/orders.js";
import { pricingRoutes } from "./services/pricing.js";
import { recommendationsRoutes } from "./services/recommendations.js";
import { reviewsRoutes } from "./services/reviews.js";
import { createServiceApp } from "./services/service-app.js";
import { shippingRoutes } from "./services/shipping.js";
import type { DemoEvents } from "./store/demo-events.js";
import { createDemoStore, type DemoStore } from "./store/demo-store.js";

/** Options of {@link startDemoServices}; every field is optional. */
export interface DemoServicesOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /**
   * Port of the first service; the others follow in contract order. Default
   * 0: every service on its own ephemeral port (safe for parallel tests).
   * Pass 7101 (`DEFAULT_BASE_PORT`) for the demo ports.
   */
  readonly basePort?: number;
  /** Per-service port overrides (0 = ephemeral). */
  readonly ports?: Readonly<Partial<Record<ServiceName, number>>>;
  /** Control server port. Default 0 when `basePort` is 0, else {@link DEFAULT_CONTROL_PORT}. */
  readonly controlPort?: number;
  /** Which services to run in this process. Default all ten. */
  readonly services?: readonly ServiceName[];
  /** Claims of minted tokens. Defaults `portico-auth` and `portico`. */
  readonly auth?: { readonly issuer?: string; readonly audience?: string };
  /** Requests kept per service in the request log. Default 1000. */
  readonly recordLimit?: number;
  /** Connect to a broker: publish data-change events, and serve shipping on its queue if asked. */
  readonly amqp?: DemoAmqpOptions | undefined;
  /**
   * Serve inventory over gRPC too (`INVENTORY_TRANSPORT=grpc`), on this port
   * (0 = ephemeral); ignored when inventory does not run here.
   */
  readonly grpc?: { readonly port: number } | undefined;
}

/** A running set of demo services; see {@link startDemoServices}. */
export interface DemoServices {
  /** Base URL per running service, e.g. `urls.catalog` = `http://127.0.0.1:7101`. */
  readonly urls: Readonly<Partial<Record<ServiceName, string>>>;
  /** `host:port` of each service's gRPC face: inventory's with `grpc` (contract section 3). */
  readonly grpcUrls: Readonly<{ inventory?: string }>;
  /** Base URL of the control server. */
  readonly controlUrl: string;
  /** The base URL of a running service; throws for one not running here. */
  url(service: ServiceName): string;
  /** The data the services answer with (seed plus admin changes, cart changes and orders). */
  readonly store: DemoStore;
  /**
   * `inventory.changed` / `price.changed` from admin data changes;
   * `order.placed` and `inventory.changed` from orders placed.
   */
  readonly events: DemoEvents;
  /** Validates and applies a fault; resolves once it took effect (a `refuse`d port is closed). */
  setFault(service: ServiceName, fault: FaultInput): Promise<void>;
  /** Clears one service's fault, or every service's. */
  clearFault(service?: ServiceName): Promise<void>;
  getFault(service: ServiceName): Fault | null;
  /** The request log, oldest first (all services when none is given). */
  requests(service?: ServiceName): RecordedRequest[];
  clearRequests(service?: ServiceName): void;
  /** A copy of one service's counters. */
  stats(service: ServiceName): ServiceStats;
  /** Stops every server and destroys every connection, hung ones included. */
  close(): Promise<void>;
}

function routesFor(
  name: ServiceName,
  store: DemoStore,
  authKeys: AuthKeys,
  options: DemoServicesOptions,
): Router {
  switch (name) {
    case "catalog":
      return catalogRoutes(store);
    case "pricing":
      return pricingRoutes(store);
    case "reviews":
      return reviewsRoutes(store);
    case "inventory":
      return inventoryRoutes(store);
    case "shipping":
      return shippingRoutes(store);
    case "recommendations":
      return recommendationsRoutes(store);
    case "cart":
      return cartRoutes(store);
    case "orders":
      return ordersRoutes(store);
    case "customers":
      return customersRoutes(store);
    case "auth":
      return authRoutes(store, authKeys, {
        issuer: options.auth?.issuer ?? DEFAULT_AUTH_ISSUER,
        audience: options.auth?.audience ?? DEFAULT_AUTH_AUDIENCE,
      });
  }
}

function checkPort(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new RangeError(`${what} must be an integer port 0-65535, got ${value}`);
  }
  return value;
}

/** The port of each service: override, else ephemeral, else base + contract index. */
export function servicePort(
  name: ServiceName,
  basePort: number,
  overrides?: DemoServicesOptions["ports"],
): number {
  const override = overrides?.[name];
  if (override !== undefined) return override;
  return basePort === 0 ? 0 : basePort + SERVICE_NAMES.indexOf(name);
}

/**
 * Starts the demo services and their control server; resolves once every one
 * is listening. Nothing is left running if one fails to start.
 *
 * @example
 * const demo = await startDemoServices();            // ephemeral ports
 * await fetch(`${demo.url("catalog")}/products/p1`);
 * await demo.setFault("pricing", { mode: "error", status: 503 });
 * await demo.close();
 */
export async function startDemoServices(options: DemoServicesOptions = {}): Promise<DemoServices> {
  const host = options.host ?? "127.0.0.1";
  const basePort = checkPort(options.basePort ?? 0, "basePort");
  const controlPort = checkPort(
    options.controlPort ?? (basePort === 0 ? 0 : DEFAULT_CONTROL_PORT),
    "controlPort",
  );
  const names = SERVICE_NAMES.filter((name) => (options.services ?? SERVICE_NAMES).includes(name));
  for (const name of names) checkPort(servicePort(name, basePort, options.ports), `ports.${name}`);

  const seed: Seed = defaultSeed;
  const store = createDemoStore(seed);
  const recorder = new RequestRecorder(options.recordLimit);
  const authKeys = await createAuthKeys();

  const instances = new Map<ServiceName, ServiceInstance>();
  for (const name of names) {
    const routes = routesFor(name, store, authKeys, options);
    const instance = new ServiceInstance({
      name,
      host,
      port: servicePort(name, basePort, options.ports),
      createApp: (control) => createServiceApp({ name, routes, recorder, ...control }),
    });
    instances.set(name, instance);
  }
  const control = new ManagedServer(createControlApp({ instances, recorder, store }), host, controlPort);

  const inventory = instances.get("inventory");
  let inventoryGrpc: ManagedGrpcServer | undefined;
  if (options.grpc !== undefined && inventory !== undefined) {
    // Loaded only when asked for: a demo without gRPC does not pay for grpc-js.
    const { createInventoryGrpc } = await import("./grpc/start-inventory-grpc.js");
    inventoryGrpc = createInventoryGrpc({
      store,
      faults: inventory.faults,
      recorder,
      host,
      port: checkPort(options.grpc.port, "grpc.port"),
    });
    inventory.attach(inventoryGrpc);
  }

  const servers = [
    ...[...instances.values()].map((i) => i.server),
    control,
    ...(inventoryGrpc ? [inventoryGrpc] : []),
  ];
  const closeAll = () => Promise.all(servers.map((s) => s.close())).then(() => {});
  const started = await Promise.allSettled(servers.map((s) => s.listen()));
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    await closeAll();
    throw failed.reason;
  }
  // The broker never blocks start-up for long nor fails it: the link keeps retrying on its own.
  let amqp: DemoAmqp | undefined;
  if (options.amqp !== undefined) {
    amqp = await startDemoAmqp(options.amqp, {
      store,
      shippingFaults: instances.get("shipping")?.faults,
      recorder,
    });
  }

  const instanceOf = (service: ServiceName): ServiceInstance => {
    const instance = instances.get(service);
    if (!instance) throw new Error(`service "${service}" is not running in this process`);
    return instance;
  };

  return {
    urls: Object.fromEntries([...instances.values()].map((i) => [i.name, i.url])),
    grpcUrls: inventoryGrpc ? { inventory: inventoryGrpc.address } : {},
    controlUrl: control.url,
    url: (service) => instanceOf(service).url,
    store,
    events: store.events,
    setFault: (service, fault) => instanceOf(service).setFault(faultSchema.parse(fault)),
    clearFault: async (service) => {
      const targets = service ? [instanceOf(service)] : [...instances.values()];
      await Promise.all(targets.map((i) => i.setFault(null)));
    },
    getFault: (service) => instanceOf(service).faults.current,
    requests: (service) => recorder.list(service),
    clearRequests: (service) => recorder.clear(service),
    stats: (service) => recorder.snapshot(service),
    close: async () => {
      await amqp?.close();
      await closeAll();
    },
  };
}
