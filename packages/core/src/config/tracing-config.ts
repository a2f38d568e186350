import { z } from "zod";
import { ConfigError } from "../errors/index.js";
import { type Env, envSchemas, readVar } from "./env.js";

/** `OTEL_TRACES_SAMPLER` values the SDK implements (the OpenTelemetry specification's, less the remote ones). */
export const TRACES_SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;

export type TracesSamplerName = (typeof TRACES_SAMPLERS)[number];

/** The OTLP/HTTP encodings a BFF exports in (`OTEL_EXPORTER_OTLP_PROTOCOL`). */
export type OtlpProtocol = "http/protobuf" | "http/json";

/**
 * How spans are exported, read from the standard OpenTelemetry variables
 * (contract section 4). A BFF exports only when this is set: when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
 * is set and `OTEL_SDK_DISABLED` is not `true`.
 */
export interface TracingConfig {
  /** Where spans are POSTed: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  readonly tracesUrl: string;
  /** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`; default `http/protobuf`. */
  readonly protocol: OtlpProtocol;
  /** `OTEL_SERVICE_NAME`; default the app's name (its package name without the scope). */
  readonly serviceName: string;
  /** `OTEL_RESOURCE_ATTRIBUTES` (`key=value,…`, values percent-decoded); `service.name` comes from `serviceName`. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** `OTEL_TRACES_SAMPLER` (default `parentbased_always_on`) and its `OTEL_TRACES_SAMPLER_ARG` ratio (default 1). */
  readonly sampler: { readonly name: TracesSamplerName; readonly ratio: number };
  /** The batch span processor: `OTEL_BSP_SCHEDULE_DELAY`, `_EXPORT_TIMEOUT`, `_MAX_QUEUE_SIZE`, `_MAX_EXPORT_BATCH_SIZE`. */
  readonly batch: {
    readonly scheduledDelayMillis: number;
    readonly exportTimeoutMillis: number;
    readonly maxQueueSize: number;
    readonly maxExportBatchSize: number;
  };
}

const int = envSchemas.integer;

const otlpUrl = z.string().refine((text) => {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}, "must be an http(s) URL");

const protocol = z
  .string()
  .refine(
    (text): text is OtlpProtocol => text === "http/protobuf" || text === "http/json",
    "must be http/protobuf or http/json (OTLP over gRPC is not supported: point it at the collector's OTLP/HTTP port, 4318)",
  )
  .transform((text) => text as OtlpProtocol);

const flag = z
  .string()
  .transform((text) => text.toLowerCase())
  .refine((text) => text === "true" || text === "false", "must be true or false")
  .transform((text) => text === "true");

const ratio = z
  .string()
  .regex(/^(?:\d+\.?\d*|\.\d+)$/, "must be a number from 0 to 1")
  .transform(Number)
  .pipe(z.number().max(1, "must be a number from 0 to 1"));

/** `key=value,key2=value2`, each value percent-encoded (OpenTelemetry's resource syntax). */
const resourceAttributes = z.string().transform((text, issue) => {
  const attributes: Record<string, string> = {};
  for (const pair of text.split(",")) {
    if (pair.trim() === "") continue;
    const at = pair.indexOf("=");
    const key = at === -1 ? "" : pair.slice(0, at).trim();
    if (key === "") {
      issue.addIssue({ code: "custom", message: "must be comma-separated key=value pairs" });
      return z.NEVER;
    }
    try {
      attributes[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      issue.addIssue({ code: "custom", message: `has a value for ${key} that is not percent-encoded` });
      return z.NEVER;
    }
  }
  return attributes;
});

/** The traces URL from the standard variables, or undefined when neither endpoint is set. */
function tracesUrlOf(env: Env): string | undefined {
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (specific !== undefined && specific !== "") {
    return readVar(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", otlpUrl, "");
  }
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base === undefined || base === "") return undefined;
  // The specification: the signal's path is appended to the base endpoint, whatever path it has.
  const url = readVar(env, "OTEL_EXPORTER_OTLP_ENDPOINT", otlpUrl, "");
  return `${url.replace(/\/+$/, "")}/v1/traces`;
}

/**
 * Reads the OpenTelemetry variables a BFF honours. Undefined (tracing off)
 * without an endpoint or with `OTEL_SDK_DISABLED=true`; the other variables
 * are then not read at all. With an endpoint, a bad value stops start-up
 * like any other (a ConfigError naming the variable).
 */
export function loadTracingConfig(env: Env, appName: string): TracingConfig | undefined {
  if (readVar(env, "OTEL_SDK_DISABLED", flag, "false")) return undefined;
  const tracesUrl = tracesUrlOf(env);
  if (tracesUrl === undefined) return undefined;
  const generalProtocol = readVar(env, "OTEL_EXPORTER_OTLP_PROTOCOL", protocol, "http/protobuf");
  const batch = {
    scheduledDelayMillis: readVar(env, "OTEL_BSP_SCHEDULE_DELAY", int(0, 3_600_000), "5000"),
    exportTimeoutMillis: readVar(env, "OTEL_BSP_EXPORT_TIMEOUT", int(1, 3_600_000), "30000"),
    maxQueueSize: readVar(env, "OTEL_BSP_MAX_QUEUE_SIZE", int(1, 10_000_000), "2048"),
    maxExportBatchSize: readVar(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", int(1, 10_000_000), "512"),
  };
  if (batch.maxExportBatchSize > batch.maxQueueSize) {
    throw new ConfigError(
      "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
      `must be at most OTEL_BSP_MAX_QUEUE_SIZE (${batch.maxQueueSize})`,
    );
  }
  const samplerName = readVar(
    env,
    "OTEL_TRACES_SAMPLER",
    z.enum(TRACES_SAMPLERS, { message: `must be one of ${TRACES_SAMPLERS.join(", ")}` }),
    "parentbased_always_on",
  );
  return {
    tracesUrl,
    protocol: readVar(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", protocol, generalProtocol),
    serviceName: readVar(env, "OTEL_SERVICE_NAME", envSchemas.text, appName),
    resourceAttributes: readVar(env, "OTEL_RESOURCE_ATTRIBUTES", resourceAttributes, ""),
    sampler: {
      name: samplerName,
      // Read only for the ratio samplers, as the SDK does.
      ratio: samplerName.endsWith("traceidratio") ? readVar(env, "OTEL_TRACES_SAMPLER_ARG", ratio, "1") : 1,
    },
    batch,
  };
}
