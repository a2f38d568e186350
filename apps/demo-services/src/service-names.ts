/**
 * The ten demo services in contract order. The order matters: service ports
 * are `DEMO_BASE_PORT + index`.
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

/** Type guard for a service name taken from user input (env, URL path, query). */
export function isServiceName(value: unknown): value is ServiceName {
  return typeof value === "string" && (SERVICE_NAMES as readonly string[]).includes(value);
}
