import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import type { ServiceDefinition } from "@grpc/proto-loader";
import { loadInventoryService } from "../client/inventory-grpc.js";

/** What a fake inventory's method does with one call: answer, fail with a status, or never answer. */
export type GrpcAnswer =
  | { readonly message: object }
  | { readonly code: status; readonly details?: string }
  | { readonly hang: true };

/** What the fake saw of one call. */
export interface SeenCall {
  readonly method: "GetStock" | "BatchGetStock";
  readonly request: Record<string, unknown>;
  readonly requestId: string | undefined;
  readonly traceparent: string | undefined;
  /** The caller's `host:port`: one per connection. */
  readonly peer: string;
  /** The deadline the caller set, as milliseconds left when the call arrived. */
  readonly deadlineMs: number;
  /** Becomes true when the caller cancels the call (or its deadline passes) before an answer. */
  readonly cancelled: () => boolean;
}

export interface FakeGrpcInventory {
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  readonly calls: SeenCall[];
  /** How the next calls are answered; default: the stock below, NOT_FOUND for other ids. */
  answer(handler: ((call: SeenCall) => GrpcAnswer) | undefined): void;
  close(): Promise<void>;
}

/** Stock the fake holds by default. */
export const FAKE_STOCK: Readonly<Record<string, number>> = { p1: 3, p2: 0, p3: 42 };

/**
 * A gRPC inventory on a free loopback port, serving the contract's proto
 * (`GetStock`, `BatchGetStock`) from {@link FAKE_STOCK}, or as a test
 * says. With `garbage`, every answer is bytes that are no message.
 */
export async function startFakeGrpcInventory(
  options: { readonly garbage?: boolean } = {},
): Promise<FakeGrpcInventory> {
  const loaded = loadInventoryService();
  const service: ServiceDefinition = options.garbage
    ? Object.fromEntries(
        Object.entries(loaded).map(([name, method]) => [
          name,
          // Field 31 with wire type 7, which protobuf does not have: no decoder takes it.
          { ...method, responseSerialize: () => Buffer.from([0xff, 0xff, 0xff, 0x0a]) },
        ]),
      )
    : loaded;
  const calls: SeenCall[] = [];
  let handler: ((call: SeenCall) => GrpcAnswer) | undefined;
  const server = new Server();
  const open = new Set<() => void>();

  const serve =
    (method: SeenCall["method"]) =>
    (
      call: ServerUnaryCall<Record<string, unknown>, object>,
      callback: (error: ServiceError | null, value?: object) => void,
    ) => {
      let cancelled = false;
      call.on("cancelled", () => {
        cancelled = true;
      });
      const text = (name: string) => {
        const value = call.metadata.get(name)[0];
        return typeof value === "string" ? value : undefined;
      };
      const deadline = call.getDeadline();
      const seen: SeenCall = {
        method,
        request: call.request,
        requestId: text("x-request-id"),
        traceparent: text("traceparent"),
        peer: call.getPeer(),
        deadlineMs: (deadline instanceof Date ? deadline.getTime() : Number(deadline)) - Date.now(),
        cancelled: () => cancelled,
      };
      calls.push(seen);
      const answer = handler?.(seen) ?? defaultAnswer(seen);
      if ("hang" in answer) {
        // Never answered; close() ends it.
        open.add(() =>
          callback({
            code: status.UNAVAILABLE,
            details: "closing",
            metadata: new Metadata(),
          } as ServiceError),
        );
        return;
      }
      if ("code" in answer) {
        callback({
          code: answer.code,
          details: answer.details ?? "",
          metadata: new Metadata(),
        } as ServiceError);
        return;
      }
      callback(null, answer.message);
    };
  server.addService(service, { GetStock: serve("GetStock"), BatchGetStock: serve("BatchGetStock") });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    calls,
    answer: (next) => {
      handler = next;
    },
    close: async () => {
      for (const end of open) end();
      server.forceShutdown();
    },
  };
}

function defaultAnswer(call: SeenCall): GrpcAnswer {
  if (call.method === "BatchGetStock") {
    const ids = (call.request.productIds as string[] | undefined) ?? [];
    return {
      message: {
        items: ids.flatMap((id) => {
          const available = FAKE_STOCK[id];
          return available === undefined ? [] : [{ productId: id, available }];
        }),
      },
    };
  }
  const id = String(call.request.productId);
  const available = FAKE_STOCK[id];
  return available === undefined
    ? { code: status.NOT_FOUND, details: `no stock for ${id}` }
    : { message: { productId: id, available } };
}
