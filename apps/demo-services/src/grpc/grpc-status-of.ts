import { status } from "@grpc/grpc-js";

/**
 * The gRPC status the demo's gRPC face answers for an HTTP status (the
 * `error` fault's `status`), so one fault means the same on both faces:
 * 503 and 502 are `UNAVAILABLE`, 500 (the default) and any other 5xx
 * `INTERNAL`, 504 `DEADLINE_EXCEEDED`, 501 `UNIMPLEMENTED`, 429
 * `RESOURCE_EXHAUSTED`, 404 `NOT_FOUND`, 400 `INVALID_ARGUMENT`, 401
 * `UNAUTHENTICATED`, 403 `PERMISSION_DENIED`, 409 `ABORTED`, and any other
 * 4xx `FAILED_PRECONDITION`.
 */
export function grpcStatusOf(httpStatus: number): status {
  switch (httpStatus) {
    case 400:
      return status.INVALID_ARGUMENT;
    case 401:
      return status.UNAUTHENTICATED;
    case 403:
      return status.PERMISSION_DENIED;
    case 404:
      return status.NOT_FOUND;
    case 409:
      return status.ABORTED;
    case 429:
      return status.RESOURCE_EXHAUSTED;
    case 501:
      return status.UNIMPLEMENTED;
    case 502:
    case 503:
      return status.UNAVAILABLE;
    case 504:
      return status.DEADLINE_EXCEEDED;
    default:
      return httpStatus < 500 ? status.FAILED_PRECONDITION : status.INTERNAL;
  }
}
