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
