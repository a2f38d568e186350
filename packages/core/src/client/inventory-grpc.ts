import { fileURLToPath } from "node:url";
import type { Options, ServiceDefinition } from "@grpc/proto-loader";
import { lazyRequire } from "../lazy-require.js";
import type { GrpcRouter } from "./grpc-transport.js";

const protoLoader = lazyRequire<typeof import("@grpc/proto-loader")>("@grpc/proto-loader");

/**
 * The inventory service's proto (contract section 3), shipped with core in
 * `proto/`: the same file serves the gateway and the demo inventory, and
 * other teams generate their stubs from it.
 */
export const INVENTORY_PROTO_PATH = fileURLToPath(new URL("../../proto/inventory.proto", import.meta.url));

/** The full name of the inventory service in the proto. */
export const INVENTORY_GRPC_SERVICE = "portico.shop.v1.Inventory";

/**
 * How inventory messages decode: fields in lowerCamelCase (`product_id` is
 * `productId`, the HTTP API's JSON names), and every field present, since
 * proto3 leaves zeros and empty lists off the wire (`available: 0` is a
 * sold-out product, not a missing field).
 */
export const INVENTORY_PROTO_OPTIONS: Options = {
  keepCase: false,
  defaults: true,
  arrays: true,
  longs: Number,
  enums: String,
};

/**
 * The `Inventory` service definition loaded from {@link INVENTORY_PROTO_PATH}
 * (its `GetStock` and `BatchGetStock` methods): what a gRPC server adds and
 * what {@link inventoryGrpcRoutes} calls.
 */
export function loadInventoryService(): ServiceDefinition {
  const definition = protoLoader().loadSync(INVENTORY_PROTO_PATH, INVENTORY_PROTO_OPTIONS);
  return definition[INVENTORY_GRPC_SERVICE] as ServiceDefinition;
}

/**
 * The inventory service's HTTP API as gRPC calls (contract section 3):
 * `/stock/{id}` is `GetStock{product_id}` and `/stock?ids=a,b` is
 * `BatchGetStock{product_ids}`; their answers decode to the HTTP answers'
 * JSON (`{productId,available}`, `{items:[…]}`).
 */
export function inventoryGrpcRoutes(service: ServiceDefinition = loadInventoryService()): GrpcRouter {
  const getStock = service.GetStock;
  const batchGetStock = service.BatchGetStock;
  if (getStock === undefined || batchGetStock === undefined) {
    throw new TypeError(`${INVENTORY_GRPC_SERVICE} must have GetStock and BatchGetStock`);
  }
  return function inventoryGrpcRoutes(path, query) {
    if (path === "/stock") {
      const ids = query?.ids;
      if (ids === undefined) return undefined;
      const productIds = String(ids)
        .split(",")
        .filter((id) => id !== "");
      return { method: batchGetStock, message: { productIds } };
    }
    if (!path.startsWith("/stock/")) return undefined;
    const segment = path.slice("/stock/".length);
    if (segment === "" || segment.includes("/")) return undefined;
    let productId: string;
    try {
      // The service client encoded the id as one path segment (`encodePath`).
      productId = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    return { method: getStock, message: { productId } };
  };
}
