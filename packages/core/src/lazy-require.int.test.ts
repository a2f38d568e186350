import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lazyRequire } from "./lazy-require.js";

describe("lazyRequire", () => {
  it("requires nothing until called, then gives the package's module.exports", () => {
    const missing = lazyRequire("portico-no-such-package");
    expect(() => missing()).toThrow(expect.objectContaining({ code: "MODULE_NOT_FOUND" }));

    const ioredis = lazyRequire<typeof import("ioredis")>("ioredis");
    expect(typeof ioredis().Redis).toBe("function");
    expect(ioredis()).toBe(ioredis());
  });
});

// What a gateway process loads, seen from a fresh `node` (a vitest worker has
// loaded who knows what). It runs core compiled the way `tsc` builds dist/
// (type-only imports erased), so the test needs no build and never runs stale output.
const HEAVY = ["etcd3", "ioredis", "amqplib"] as const;
// etcd3 loads the gRPC stack too, so these are reported apart, before any etcd registry.
const GRPC = ["@grpc/grpc-js", "@grpc/proto-loader"] as const;
// The OpenTelemetry SDK: only OTEL_EXPORTER_OTLP_ENDPOINT loads it. (Not the API, a
// no-op facade of a few kB that prom-client loads for its exemplars anyway.)
const OTEL = [
  "@opentelemetry/core",
  "@opentelemetry/exporter-trace-otlp-http",
  "@opentelemetry/exporter-trace-otlp-proto",
  "@opentelemetry/resources",
  "@opentelemetry/sdk-trace-base",
] as const;
// axios is the API a team adds interceptors to, ws serves a WebSocket endpoint:
// a gateway that does neither never loads them.
const ON_USE = ["axios", "ws"] as const;
const coreDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The child: import core, wire a default gateway, then use each optional backend once. */
const PROBE = `
import { createRequire } from "node:module";
import { sep } from "node:path";
const require = createRequire(import.meta.url);
const among = (names) => names.filter((name) =>
  Object.keys(require.cache).some((path) => path.includes(sep + "node_modules" + sep + name.replace("/", sep) + sep)));
const loaded = () => among(${JSON.stringify(HEAVY)});
const grpcLoaded = () => among(${JSON.stringify(GRPC)});
const otelLoaded = () => among(${JSON.stringify(OTEL)});
const onUseLoaded = () => among(${JSON.stringify(ON_USE)});
const report = {};
const core = await import("./index.js");
report.afterImport = loaded();
report.otelAfterImport = otelLoaded();
const gateway = core.createGateway(core.loadGatewayConfig({}, { defaultPort: 0 }));
report.afterStaticGateway = loaded();
// A request through the edge and an upstream call (refused): the whole path, untraced.
const { createServer } = await import("node:http");
const server = createServer(core.createGatewayApp({ requestDeadlineMs: 500, gateway }).finish());
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
await fetch("http://127.0.0.1:" + server.address().port + "/nowhere").then((r) => r.arrayBuffer());
await gateway.shop.stock(core.createRequestContext({ deadlineMs: 500 }), "p1").catch(() => undefined);
server.close();
report.otelAfterUntracedRequest = otelLoaded();
report.onUseAfterRequest = onUseLoaded();
report.undiciIndexAfterRequest = Object.keys(require.cache).some((path) =>
  path.endsWith(sep + "node_modules" + sep + "undici" + sep + "index.js"));
const transport = new core.HttpTransport();
report.onUseAfterTransport = onUseLoaded();
transport.axios.interceptors.request.use((config) => config);
report.onUseAfterInterceptor = onUseLoaded();
await transport.close();
const hub = new core.SocketHub();
report.onUseAfterHub = onUseLoaded();
await hub.close();
const traced = core.createGateway(
  core.loadGatewayConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1" }, { defaultPort: 0 }),
);
report.otelAfterTracedGateway = otelLoaded();
await traced.close();
report.grpcAfterStaticGateway = grpcLoaded();
const grpcGateway = core.createGateway(core.loadGatewayConfig({ INVENTORY_TRANSPORT: "grpc" }, { defaultPort: 0 }));
report.grpcAfterGrpcGateway = grpcLoaded();
await grpcGateway.shop.stock(core.createRequestContext({ deadlineMs: 500 }), "p1").catch(() => undefined);
report.grpcAfterGrpcCall = grpcLoaded();
await grpcGateway.close();
const redis = core.createRedisConnection("redis://127.0.0.1:1", { commandTimeoutMs: 100 });
report.afterRedis = loaded();
const registry = new core.EtcdRegistry({ endpoints: ["http://127.0.0.1:1"], startupWaitMs: 100 });
report.afterEtcd = loaded();
new core.BrokerConnection({ url: "amqp://127.0.0.1:1" });
report.afterBroker = loaded();
redis.disconnect();
await registry.close();
await gateway.close();
process.stdout.write(JSON.stringify(report), () => process.exit(0));
`;

interface Report {
  afterImport: string[];
  otelAfterImport: string[];
  otelAfterUntracedRequest: string[];
  onUseAfterRequest: string[];
  undiciIndexAfterRequest: boolean;
  onUseAfterTransport: string[];
  onUseAfterInterceptor: string[];
  onUseAfterHub: string[];
  otelAfterTracedGateway: string[];
  afterStaticGateway: string[];
  grpcAfterStaticGateway: string[];
  grpcAfterGrpcGateway: string[];
  grpcAfterGrpcCall: string[];
  afterRedis: string[];
  afterEtcd: string[];
  afterBroker: string[];
}

/** Emits every source file of the build (tsconfig.build.json) as ESM into `outDir`. */
async function compileCore(outDir: string): Promise<void> {
  const configPath = join(coreDir, "tsconfig.build.json");
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  const { options, fileNames } = ts.parseJsonConfigFileContent(config, ts.sys, coreDir);
  const compilerOptions: ts.CompilerOptions = {
    ...options,
    // transpileModule cannot see package.json's "type": "module"; say it outright.
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
  };
  const srcDir = join(coreDir, "src");
  for (const fileName of fileNames) {
    const source = await readFile(fileName, "utf8");
    const { outputText } = ts.transpileModule(source, { compilerOptions, fileName });
    const target = join(outDir, relative(srcDir, fileName).replace(/\.ts$/, ".js"));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  await writeFile(join(outDir, "package.json"), JSON.stringify({ type: "module" }));
  // Dependencies resolve from core's own node_modules, as they do from dist/.
  await symlink(join(coreDir, "node_modules"), join(outDir, "node_modules"), "dir");
  // The proto sits beside dist/, as in the package.
  await symlink(join(coreDir, "proto"), join(dirname(outDir), "proto"), "dir");
}

describe("optional backends load only when used (gateway RSS)", () => {
  let root: string;
  let outDir: string;
  let report: Report;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "portico-lazy-"));
    outDir = join(root, "dist");
    await compileCore(outDir);
    await writeFile(join(outDir, "probe.mjs"), PROBE);
    const { stdout } = await promisify(execFile)(process.execPath, [join(outDir, "probe.mjs")], {
      cwd: outDir,
      env: { PATH: process.env.PATH ?? "" },
      timeout: 20_000,
    });
    report = JSON.parse(stdout) as Report;
  }, 60_000);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("importing @portico/core loads none of etcd3, ioredis and amqplib", () => {
    expect(report.afterImport).toEqual([]);
  });

  it("a gateway with static discovery, no REDIS_URL and no AMQP_URL loads none of them either", () => {
    expect(report.afterStaticGateway).toEqual([]);
  });

  it("only INVENTORY_TRANSPORT=grpc loads the gRPC stack, the proto and grpc-js both with the gateway (not inside the first call's timeout)", () => {
    expect(report.grpcAfterStaticGateway).toEqual([]);
    expect(report.grpcAfterGrpcGateway).toEqual(["@grpc/grpc-js", "@grpc/proto-loader"]);
    expect(report.grpcAfterGrpcCall).toEqual(["@grpc/grpc-js", "@grpc/proto-loader"]);
  });

  it("a BFF without OTEL_EXPORTER_OTLP_ENDPOINT never loads the OpenTelemetry SDK, even serving a request", () => {
    expect(report.otelAfterImport).toEqual([]);
    expect(report.otelAfterUntracedRequest).toEqual([]);
  });

  it("axios loads when a team reaches for a transport's instance, ws when a socket hub is made; a request through the edge and an upstream call load neither", () => {
    expect(report.onUseAfterRequest).toEqual([]);
    // undici's Agent is enough for the upstream call: not its index, which loads fetch and the rest.
    expect(report.undiciIndexAfterRequest).toBe(false);
    expect(report.onUseAfterTransport).toEqual([]);
    expect(report.onUseAfterInterceptor).toEqual(["axios"]);
    expect(report.onUseAfterHub).toEqual(["axios", "ws"]);
  });

  it("with the endpoint, the gateway loads the SDK and the exporter of its protocol only (http/protobuf)", () => {
    expect(report.otelAfterTracedGateway).toEqual([
      "@opentelemetry/core",
      "@opentelemetry/exporter-trace-otlp-proto",
      "@opentelemetry/resources",
      "@opentelemetry/sdk-trace-base",
    ]);
  });

  it("a Redis connection loads ioredis, an etcd registry etcd3, a broker connection amqplib", () => {
    expect(report.afterRedis).toEqual(["ioredis"]);
    expect(report.afterEtcd).toEqual(["etcd3", "ioredis"]);
    expect(report.afterBroker).toEqual(["etcd3", "ioredis", "amqplib"]);
  });
});
