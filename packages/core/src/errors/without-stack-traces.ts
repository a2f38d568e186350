/**
 * Runs `make` with stack traces off, for errors that are expected control
 * flow on a hot path (an open circuit, p-timeout's per-call spare error):
 * capturing a stack trace costs more than the rest of such a call, and
 * nobody reads it. Errors are still created, with name, code and message.
 * The limit is restored before `make` returns, so nothing else runs under it.
 */
export function withoutStackTraces<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
