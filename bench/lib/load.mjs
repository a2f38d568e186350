// Load generators: wrk when it is installed (C, cheap on the shared core),
// else autocannon from npm. Both run as a child process for a fixed
// duration with a fixed number of connections and report the same fields.
import { execFileSync, spawn } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";

const WRK_SCRIPT = fileURLToPath(new URL("./wrk-report.lua", import.meta.url));

function has(command) {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Pinning is possible with taskset on a machine of at least two cores. */
export const canPin = process.platform === "linux" && cpus().length >= 2 && has("taskset");
export const hasWrk = has("wrk");

/** `[command, args]` run on `cpu` when pinning is possible, else unchanged. */
export function pinned(cpu, command, args) {
  return canPin ? ["taskset", ["-c", String(cpu), command, ...args]] : [command, args];
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr.slice(-500)}`));
    });
  });
}

/**
 * Drives `origin` + `template` (its `{id}` replaced by p1..p<ids>, at
 * random) for `durationS` seconds with `connections` connections.
 * Resolves with `{ requests, rps, p50Ms, p99Ms, errors, bytesPerAnswer }`; `errors` counts
 * socket errors, timeouts and every answer that is not 2xx.
 */
export async function load({
  tool,
  origin,
  template,
  ids = 1,
  headers = {},
  connections,
  durationS,
  cpu,
  rate,
  inProcess = false,
}) {
  if (tool === "wrk") {
    const args = ["-t1", `-c${connections}`, `-d${durationS}s`, "--timeout", "5s", "-s", WRK_SCRIPT];
    for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
    args.push(origin, "--", template, String(ids));
    const [command, argv] = pinned(cpu, "wrk", args);
    const out = await run(command, argv);
    const line = out.split("\n").find((l) => l.startsWith("BENCH_JSON "));
    if (line === undefined) throw new Error(`wrk printed no summary:\n${out}`);
    const r = JSON.parse(line.slice("BENCH_JSON ".length));
    // wrk counts 3xx as fine and only >= 400 as status errors; the routes here only answer 200.
    return {
      requests: r.requests,
      rps: r.requests / (r.durationUs / 1e6),
      p50Ms: r.p50Us / 1000,
      p99Ms: r.p99Us / 1000,
      errors: r.connect + r.read + r.write + r.status + r.timeout,
      // Status line, headers and body as read off the socket.
      bytesPerAnswer: r.requests > 0 ? r.bytes / r.requests : undefined,
    };
  }
  const spec = { origin, template, ids, headers, connections, durationS, rate };
  // In this process (no start-up per run) for gentle smoke runs; else pinned beside the fakes.
  if (inProcess) return (await import("./autocannon-run.mjs")).runAutocannon(spec);
  const child = fileURLToPath(new URL("./autocannon-child.mjs", import.meta.url));
  const [command, argv] = pinned(cpu, process.execPath, [child, JSON.stringify(spec)]);
  const out = await run(command, argv);
  return JSON.parse(out.trim().split("\n").at(-1));
}
