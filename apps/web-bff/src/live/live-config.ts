import { type Env, envSchemas, type GatewayConfig, readVar } from "@portico/core";

/** Limits of the `/live` WebSocket endpoint (see the README's "Live updates"). */
export interface LiveConfig {
  /** `LIVE_MAX_BUFFERED_BYTES`: unsent bytes one socket may hold before it is dropped. Default 1 MiB. */
  readonly maxBufferedBytes: number;
  /** `LIVE_HEARTBEAT_MS`: ping period; a socket silent for a whole period is cut. Default 30000. */
  readonly heartbeatMs: number;
  /** `LIVE_MAX_SOCKETS`: sockets per instance; more are refused with 503. Default 10000. */
  readonly maxSockets: number;
}

/** The web BFF's configuration: the shared one plus `/live`'s limits. */
export interface WebConfig extends GatewayConfig {
  readonly live: LiveConfig;
}

const int = envSchemas.integer;

/** Reads the `/live` limits; a bad value stops start-up naming the variable. */
export function loadLiveConfig(env: Env): LiveConfig {
  return {
    maxBufferedBytes: readVar(env, "LIVE_MAX_BUFFERED_BYTES", int(1024, 1_073_741_824), "1048576"),
    heartbeatMs: readVar(env, "LIVE_HEARTBEAT_MS", int(100, 3_600_000), "30000"),
    maxSockets: readVar(env, "LIVE_MAX_SOCKETS", int(1, 1_000_000), "10000"),
  };
}

/** `runBff`'s `loadConfig` for the web BFF. */
export function loadWebConfig(env: Env, base: GatewayConfig): WebConfig {
  return { ...base, live: loadLiveConfig(env) };
}
