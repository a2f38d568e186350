/** The demo ports: control on 7100, services on 7101..7110 in contract order. */
export const DEFAULT_BASE_PORT = 7101;
export const DEFAULT_CONTROL_PORT = 7100;
/** `iss` and `aud` of minted tokens, matching the BFFs' `AUTH_ISSUER` / `AUTH_AUDIENCE` defaults. */
export const DEFAULT_AUTH_ISSUER = "portico-auth";
export const DEFAULT_AUTH_AUDIENCE = "portico";
/** Inventory's gRPC port (`INVENTORY_TRANSPORT=grpc`): the BFFs' `INVENTORY_GRPC_URL` default, `127.0.0.1:7204`. */
export const DEFAULT_INVENTORY_GRPC_PORT = 7204;
