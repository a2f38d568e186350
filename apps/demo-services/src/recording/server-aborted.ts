import type { ServerResponse } from "node:http";

// Responses the server itself cut short (reset fault, shutdown) must not be
// counted as "closed by client"; a WeakSet keeps that flag off the response.
const aborted = new WeakSet<ServerResponse>();

export function markServerAborted(res: ServerResponse): void {
  aborted.add(res);
}

export function wasServerAborted(res: ServerResponse): boolean {
  return aborted.has(res);
}
