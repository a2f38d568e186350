/** Options of {@link backoffDelay}; every field is optional. */
export interface BackoffOptions {
  /** Delay ceiling of the first retry, in ms. Default 100. */
  readonly initialMs?: number;
  /** Largest delay, in ms. Default 5000. */
  readonly maxMs?: number;
  /** Source of randomness in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * How long to wait before reconnect attempt `attempt` (0 for the first
 * retry): exponential with "equal jitter", a random delay in [d/2, d] where
 * d = min(maxMs, initialMs × 2^attempt). The floor keeps a flapping broker
 * from being hammered; the jitter keeps many gateways from reconnecting in step.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { initialMs = 100, maxMs = 5000, random = Math.random } = options;
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
