// Starting and stopping the soak's processes: the demo shop and the three
// BFFs, each built to dist, on free loopback ports. Stopped by PID only.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";

/**
 * Starts `node [flags] <entry>` and resolves with the JSON of the first stdout line `ready` accepts.
 * `onSpawn` is handed the child at once, before it is ready (e.g. to stop it if the caller exits).
 */
export function start(root, entry, env, ready, { flags = [], timeoutMs = 30_000, onSpawn } = {}) {
  const path = `${root}${entry}`;
  if (!existsSync(path)) throw new Error(`${entry} is not built: run \`npx -y pnpm@12.4.2 run build\` first`);
  const child = spawn(process.execPath, [...flags, path], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  onSpawn?.(child);
  let output = "";
  child.stderr.on("data", (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${entry} not ready in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    let resolved = false;
    lines.on("line", (line) => {
      output = `${output}${line}\n`.slice(-20_000);
      if (resolved) return;
      let json;
      try {
        json = JSON.parse(line);
      } catch {
        return;
      }
      if (ready(json)) {
        resolved = true;
        clearTimeout(timer);
        resolve({ child, info: json, output: () => output });
      }
    });
    child.once("exit", (code) => {
      if (resolved) return;
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/**
 * Starts the built demo shop on free loopback ports (`env` added to its
 * own); its `info` has `services` (name → base URL) and `control`.
 */
export function startDemoShop(root, env = {}, options = {}) {
  return start(
    root,
    "apps/demo-services/dist/main.js",
    { DEMO_BASE_PORT: "0", DEMO_CONTROL_PORT: "0", DEMO_HOST: "127.0.0.1", ...env },
    (json) => json.msg === "demo-services ready",
    options,
  );
}

/** The `<SERVICE>_URL` variables a BFF reads, for the shop's `services`. */
export function serviceUrlEnv(services) {
  return Object.fromEntries(
    Object.entries(services).map(([name, url]) => [`${name.toUpperCase()}_URL`, url]),
  );
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
export async function stop(proc, graceMs = 12_000) {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** Resident set size of a process in bytes (Linux /proc, else `ps`). */
export function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux, or the process is gone.
  }
  return undefined;
}
