import { type Policy, stagedPolicy } from "./policy.js";

export interface TimeoutPolicyOptions {
  /** The service's own limit per attempt (`UPSTREAM_TIMEOUT_MS`, `<SERVICE>_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Names the service in errors. */
  service: string;
}

/**
 * Bounds each attempt by the smaller of its own timeout and what is left of
 * the request deadline. On expiry it aborts the attempt's signal, so the
 * transport closes the socket rather than leaving the call running.
 * A call cut short either way is an `UPSTREAM_TIMEOUT` (the service did not
 * answer in the time it could be given); a deadline already gone before the
 * call starts is `DEADLINE_EXCEEDED`, and no call is made. The limit itself
 * is applied by the compiled call (`stages.ts`), once per attempt.
 */
export function timeoutPolicy({ timeoutMs, service }: TimeoutPolicyOptions): Policy {
  return stagedPolicy({ timeout: { ms: timeoutMs, service } });
}
