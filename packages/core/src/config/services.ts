/**
 * The shop's internal services a BFF may call (contract section 3), in
 * contract order: the one list every package takes. The order matters to
 * the demo shop, whose service ports are `DEMO_BASE_PORT + index`.
 */
export const SERVICE_NAMES = [
  "catalog",
  "pricing",
  "reviews",
  "inventory",
  "shipping",
  "recommendations",
  "cart",
  "orders",
  "customers",
  "auth",
] as const;

/** One of {@link SERVICE_NAMES}. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Type guard for a service name taken from input (env, URL path, query). */
export function isServiceName(value: unknown): value is ServiceName {
  return typeof value === "string" && (SERVICE_NAMES as readonly string[]).includes(value);
}

/** Default demo port per service: the local demo shop (apps/demo-services). */
export const DEMO_PORTS: Readonly<Record<ServiceName, number>> = {
  catalog: 7101,
  pricing: 7102,
  reviews: 7103,
  inventory: 7104,
  shipping: 7105,
  recommendations: 7106,
  cart: 7107,
  orders: 7108,
  customers: 7109,
  auth: 7110,
};

export function envPrefix(service: ServiceName): string {
  return service.toUpperCase();
}

/** `INVENTORY_GRPC_URL`'s default: the demo inventory's gRPC port (contract section 4). */
export const DEFAULT_INVENTORY_GRPC_URL = "127.0.0.1:7204";

/**
 * The registry name of inventory's gRPC instances (`DISCOVERY=etcd`):
 * `/services/inventory-grpc/<instanceId>` = `{"url":"host:port"}` (contract section 3).
 */
export const INVENTORY_GRPC_REGISTRY_NAME = "inventory-grpc";
