import {
  Metadata,
  type ServerUnaryCall,
  type ServiceDefinition,
  type ServiceError,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import { loadInventoryService } from "@portico/core";
import type { FaultState } from "../faults/fault-state.js";
import { isValidId } from "../ids.js";
import type { RequestRecorder } from "../recording/request-recorder.js";
import { MAX_BATCH_IDS } from "../services/http-answers.js";
import type { DemoStore } from "../store/demo-store.js";
import type { GrpcService } from "./grpc-server.js";
import { grpcStatusOf } from "./grpc-status-of.js";

export interface InventoryGrpcDeps {
  readonly store: DemoStore;
  /** The inventory service's faults: they apply to its gRPC face as to its HTTP port. */
  readonly faults: FaultState;
  readonly recorder?: RequestRecorder;
  /** Drops the connection a call came on (its peer): the `reset` fault. */
  readonly dropConnectionOf: (peer: string) => void;
}

/** Answered in place of a message by the `malformed` and `wrong-shape` faults: bytes no decoder takes. */
const UNDECODABLE = Symbol("undecodable");
// Field 31 with wire type 7, which protobuf does not have.
const UNDECODABLE_BYTES = Buffer.from([0xff, 0xff, 0xff, 0x0a]);

type Answer = { readonly message: object } | { readonly code: status; readonly details: string };
type Method = "GetStock" | "BatchGetStock";
type Request = { productId?: string; productIds?: string[] };

/**
 * The inventory service over gRPC (contract section 3): `GetStock` and
 * `BatchGetStock` from the same store as `GET /stock/{id}` and
 * `GET /stock?ids=`, with the same id rules (`INVALID_ARGUMENT` where HTTP
 * says 400; an unknown id is `NOT_FOUND`, or left out of a batch). Each
 * call is recorded (method `GRPC`, the RPC's path) and counted. The
 * service's fault plays on each call, matched against the HTTP path it
 * stands for (`/stock/p1`, `/stock`): `delay`, `hang`, `error` (its status
 * as `grpcStatusOf` maps it: 503 is `UNAVAILABLE`, 500 `INTERNAL`),
 * `malformed` and `wrong-shape` (an answer that is no message), `reset`
 * and `reset-after-commit` (the connection is dropped); `refuse` closes the
 * port (see `ManagedGrpcServer`).
 */
export function inventoryGrpcService(deps: InventoryGrpcDeps): GrpcService {
  const loaded = loadInventoryService() as unknown as ServiceDefinition;
  const definition: ServiceDefinition = Object.fromEntries(
    Object.entries(loaded).map(([name, method]) => [
      name,
      {
        ...method,
        responseSerialize: (value: unknown) =>
          value === UNDECODABLE ? UNDECODABLE_BYTES : method.responseSerialize(value),
      },
    ]),
  );
  return {
    definition,
    implementation: {
      GetStock: (call: ServerUnaryCall<Request, unknown>, callback: sendUnaryData<unknown>) =>
        handle(deps, "GetStock", call, callback),
      BatchGetStock: (call: ServerUnaryCall<Request, unknown>, callback: sendUnaryData<unknown>) =>
        handle(deps, "BatchGetStock", call, callback),
    },
  };
}

function answerOf(store: DemoStore, method: Method, request: Request): Answer {
  if (method === "GetStock") {
    const id = request.productId;
    if (!isValidId(id)) {
      return { code: status.INVALID_ARGUMENT, details: "product_id must match ^[A-Za-z0-9_-]{1,64}$" };
    }
    const stock = store.getStock(id);
    return stock ? { message: stock } : { code: status.NOT_FOUND, details: "not_found" };
  }
  const ids = [...new Set(request.productIds ?? [])];
  if (ids.length === 0 || ids.length > MAX_BATCH_IDS || !ids.every(isValidId)) {
    return { code: status.INVALID_ARGUMENT, details: `product_ids must be 1 to ${MAX_BATCH_IDS} ids` };
  }
  return { message: { items: ids.flatMap((id) => store.getStock(id) ?? []) } };
}

/** The HTTP path a call stands for: what a fault's `paths` are matched against. */
function httpPathOf(method: Method, request: Request): string {
  return method === "GetStock" ? `/stock/${request.productId ?? ""}` : "/stock";
}

function handle(
  deps: InventoryGrpcDeps,
  method: Method,
  call: ServerUnaryCall<Request, unknown>,
  callback: sendUnaryData<unknown>,
): void {
  const { recorder } = deps;
  const request = call.request;
  record(recorder, method, call);
  const stats = recorder?.stats("inventory");
  if (stats) {
    stats.total++;
    stats.inFlight++;
  }
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const finish = (): boolean => {
    if (done) return false;
    done = true;
    clearTimeout(timer);
    if (stats) stats.inFlight--;
    return true;
  };
  // The caller cancelled, or its deadline passed, before an answer.
  call.once("cancelled", () => {
    if (finish() && stats) stats.closedByClient++;
  });
  const reply = (answer: Answer | typeof UNDECODABLE) => {
    if (!finish()) return;
    if (answer === UNDECODABLE) callback(null, UNDECODABLE);
    else if ("code" in answer) callback(failure(answer.code, answer.details));
    else callback(null, answer.message);
  };

  const fault = deps.faults.forRequest(httpPathOf(method, request));
  switch (fault?.mode) {
    case undefined:
      reply(answerOf(deps.store, method, request));
      return;
    case "delay":
      timer = setTimeout(() => reply(answerOf(deps.store, method, request)), fault.ms);
      return;
    case "error":
      reply({ code: grpcStatusOf(fault.status), details: "injected_fault" });
      return;
    case "hang":
      // Deliberately no answer: the call stays open until the caller cancels it or its deadline passes.
      return;
    case "malformed":
    case "wrong-shape":
      reply(UNDECODABLE);
      return;
    case "reset":
    case "reset-after-commit":
      // The server cut it: not counted as closed by the client.
      finish();
      deps.dropConnectionOf(call.getPeer());
      return;
    case "refuse":
      // Handled on the port; a call can't get here while refusing.
      reply(answerOf(deps.store, method, request));
      return;
  }
}

function failure(code: status, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

function record(
  recorder: RequestRecorder | undefined,
  method: Method,
  call: ServerUnaryCall<Request, unknown>,
) {
  if (recorder === undefined) return;
  const text = (name: string) => {
    const value = call.metadata.get(name)[0];
    return typeof value === "string" ? value : null;
  };
  const request = call.request;
  const query =
    method === "GetStock"
      ? new URLSearchParams({ productId: request.productId ?? "" }).toString()
      : new URLSearchParams({ productIds: (request.productIds ?? []).join(",") }).toString();
  recorder.record({
    service: "inventory",
    method: "GRPC",
    path: call.getPath(),
    query,
    requestId: text("x-request-id"),
    traceparent: text("traceparent"),
    idempotencyKey: null,
    at: new Date().toISOString(),
  });
}
