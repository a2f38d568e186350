import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors/index.js";
import { loadGatewayConfig } from "./gateway-config.js";
import { loadTracingConfig } from "./tracing-config.js";

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadTracingConfig(env, "mobile-bff");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe("loadTracingConfig", () => {
  it("is off without an endpoint, whatever else is set, and with OTEL_SDK_DISABLED=true", () => {
    expect(loadTracingConfig({}, "mobile-bff")).toBeUndefined();
    expect(
      loadTracingConfig({ OTEL_TRACES_SAMPLER: "nonsense", OTEL_SERVICE_NAME: "x" }, "m"),
    ).toBeUndefined();
    expect(loadTracingConfig({ ...ENDPOINT, OTEL_SDK_DISABLED: "TRUE" }, "mobile-bff")).toBeUndefined();
    expect(loadTracingConfig({ ...ENDPOINT, OTEL_SDK_DISABLED: "false" }, "mobile-bff")).toBeDefined();
    expect(loadGatewayConfig({}, { defaultPort: 0 }).tracing).toBeUndefined();
  });

  it("defaults to the specification's: http/protobuf, parent-based always-on, the batch processor's numbers", () => {
    expect(loadTracingConfig(ENDPOINT, "mobile-bff")).toEqual({
      tracesUrl: "http://collector:4318/v1/traces",
      protocol: "http/protobuf",
      serviceName: "mobile-bff",
      resourceAttributes: {},
      sampler: { name: "parentbased_always_on", ratio: 1 },
      batch: {
        scheduledDelayMillis: 5000,
        exportTimeoutMillis: 30000,
        maxQueueSize: 2048,
        maxExportBatchSize: 512,
      },
    });
  });

  it("appends /v1/traces to the base endpoint, and takes the traces endpoint as it is", () => {
    const url = (env: Record<string, string>) => loadTracingConfig(env, "m")?.tracesUrl;
    expect(url({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example/prefix/" })).toBe(
      "https://otel.example/prefix/v1/traces",
    );
    expect(url({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:4318/custom" })).toBe(
      "http://127.0.0.1:4318/custom",
    );
    expect(url({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:4318/v1/traces" })).toBe(
      "http://traces:4318/v1/traces",
    );
  });

  it("reads the standard variables: protocol (the traces one first), service name, resource, sampler, batch", () => {
    const config = loadTracingConfig(
      {
        ...ENDPOINT,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
        OTEL_SERVICE_NAME: "shop-mobile",
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod, team=shop%20core",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.25",
        OTEL_BSP_SCHEDULE_DELAY: "100",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "64",
      },
      "mobile-bff",
    );
    expect(config).toMatchObject({
      protocol: "http/json",
      serviceName: "shop-mobile",
      resourceAttributes: { "deployment.environment": "prod", team: "shop core" },
      sampler: { name: "parentbased_traceidratio", ratio: 0.25 },
      batch: { scheduledDelayMillis: 100, maxExportBatchSize: 64 },
    });
  });

  it("stops start-up on a bad value, naming the variable", () => {
    expect(refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }).message).toContain(
      "OTEL_EXPORTER_OTLP_ENDPOINT",
    );
    expect(refusal({ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }).message).toMatch(
      /OTEL_EXPORTER_OTLP_PROTOCOL.*http\/protobuf or http\/json/,
    );
    expect(refusal({ ...ENDPOINT, OTEL_TRACES_SAMPLER: "sometimes" }).message).toContain(
      "OTEL_TRACES_SAMPLER",
    );
    expect(
      refusal({ ...ENDPOINT, OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "1.5" }).message,
    ).toContain("OTEL_TRACES_SAMPLER_ARG");
    expect(refusal({ ...ENDPOINT, OTEL_BSP_SCHEDULE_DELAY: "soon" }).message).toContain(
      "OTEL_BSP_SCHEDULE_DELAY",
    );
    expect(
      refusal({ ...ENDPOINT, OTEL_BSP_MAX_QUEUE_SIZE: "10", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "20" }).message,
    ).toContain("OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
    expect(refusal({ ...ENDPOINT, OTEL_RESOURCE_ATTRIBUTES: "novalue" }).message).toContain(
      "OTEL_RESOURCE_ATTRIBUTES",
    );
    expect(refusal({ ...ENDPOINT, OTEL_SDK_DISABLED: "yes" }).message).toContain("OTEL_SDK_DISABLED");
  });

  it("defaults the service name to the app's name (loadGatewayConfig's appName)", () => {
    const config = loadGatewayConfig(ENDPOINT, { defaultPort: 0, appName: "partner-bff" });
    expect(config.tracing?.serviceName).toBe("partner-bff");
    expect(loadGatewayConfig(ENDPOINT, { defaultPort: 0 }).tracing?.serviceName).toBe("portico");
  });
});
