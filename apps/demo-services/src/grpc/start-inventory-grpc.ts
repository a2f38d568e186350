import type { FaultState } from "../faults/fault-state.js";
import type { RequestRecorder } from "../recording/request-recorder.js";
import type { DemoStore } from "../store/demo-store.js";
import { ManagedGrpcServer } from "./grpc-server.js";
import { inventoryGrpcService } from "./inventory-grpc-service.js";

export interface InventoryGrpcOptions {
  readonly store: DemoStore;
  readonly faults: FaultState;
  readonly recorder?: RequestRecorder;
  readonly host: string;
  /** 0 for an ephemeral port. */
  readonly port: number;
}

/** The inventory service's gRPC face (not listening yet): `INVENTORY_TRANSPORT=grpc` on the demo. */
export function createInventoryGrpc({
  store,
  faults,
  recorder,
  host,
  port,
}: InventoryGrpcOptions): ManagedGrpcServer {
  // The service drops a call's connection through the server that accepted it.
  let server: ManagedGrpcServer | undefined;
  const service = inventoryGrpcService({
    store,
    faults,
    ...(recorder ? { recorder } : {}),
    dropConnectionOf: (peer) => server?.dropConnectionOf(peer),
  });
  server = new ManagedGrpcServer(service, host, port);
  return server;
}
