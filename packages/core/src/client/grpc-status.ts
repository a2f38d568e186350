import { UpstreamConnectionError, UpstreamTimeoutError } from "../errors/index.js";
import type { TransportResponse } from "./transport.js";

/**
 * gRPC status codes (fixed by the gRPC specification), as numbers: the
 * transport needs them without loading `@grpc/grpc-js` (see `GrpcTransport`).
 */
export const GRPC_STATUS = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/**
 * The HTTP status each gRPC status plays, for the statuses that are an
 * answer (contract section 3): `NOT_FOUND` is the 404 of the HTTP API,
 * `RESOURCE_EXHAUSTED` a 503 (a failure, retried), `INTERNAL`, `UNKNOWN`,
 * `DATA_LOSS` and `UNIMPLEMENTED` a 500 (a failure, not retried). The
 * client-side errors the contract does not name answer as HTTP would
 * (grpc-gateway's table), so the service client classifies them as it
 * classifies any 4xx.
 */
const HTTP_STATUS_OF: Readonly<Record<number, number>> = {
  [GRPC_STATUS.NOT_FOUND]: 404,
  [GRPC_STATUS.RESOURCE_EXHAUSTED]: 503,
  [GRPC_STATUS.INTERNAL]: 500,
  [GRPC_STATUS.UNKNOWN]: 500,
  [GRPC_STATUS.DATA_LOSS]: 500,
  [GRPC_STATUS.UNIMPLEMENTED]: 500,
  [GRPC_STATUS.INVALID_ARGUMENT]: 400,
  [GRPC_STATUS.FAILED_PRECONDITION]: 400,
  [GRPC_STATUS.OUT_OF_RANGE]: 400,
  [GRPC_STATUS.UNAUTHENTICATED]: 401,
  [GRPC_STATUS.PERMISSION_DENIED]: 403,
  [GRPC_STATUS.ALREADY_EXISTS]: 409,
  [GRPC_STATUS.ABORTED]: 409,
};

/**
 * A gRPC call's answer as HTTP would say it (`status`, `body`), with the
 * gRPC status it came with: what a trace's `rpc.grpc.status_code` shows.
 */
export interface GrpcAnswer extends TransportResponse {
  readonly grpcStatus: number;
}

/** The gRPC status of an answer `GrpcTransport` gave; undefined for another transport's. */
export function grpcStatusOfAnswer(response: { readonly status: number }): number | undefined {
  const grpcStatus = (response as Partial<GrpcAnswer>).grpcStatus;
  return typeof grpcStatus === "number" ? grpcStatus : undefined;
}

/**
 * What a failed gRPC call means, as an HTTP transport would say it: an
 * answer with a status (resolved), or the error HTTP would throw.
 * `UNAVAILABLE` is a connection refused or dropped before any answer
 * (retryable, counted by the breaker; `notSent` when no connection was
 * ever made, as HTTP says of a refused one); `DEADLINE_EXCEEDED` is the
 * attempt's timeout; a `CANCELLED` the caller did not ask for (the server
 * or a proxy gave up on the call after it went out) is a connection that
 * broke off mid-call: a failure, not retried. A status gRPC does not
 * define is a 500.
 *
 * @param timeoutMs the deadline the call had, for the timeout's message
 */
export function grpcStatusAnswer(
  service: string,
  code: number,
  cause: unknown,
  timeoutMs: number,
  /** True when the channel never connected (refused, unreachable): the call was not sent at all. */
  notSent = false,
): GrpcAnswer {
  switch (code) {
    case GRPC_STATUS.UNAVAILABLE:
      throw new UpstreamConnectionError(service, true, cause, notSent);
    case GRPC_STATUS.DEADLINE_EXCEEDED:
      throw new UpstreamTimeoutError(service, timeoutMs);
    case GRPC_STATUS.CANCELLED:
      throw new UpstreamConnectionError(service, false, cause);
    default:
      return { status: HTTP_STATUS_OF[code] ?? 500, body: undefined, grpcStatus: code };
  }
}
