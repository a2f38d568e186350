import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { acceptsConnections, freePort, requireNginx, within } from "@portico/test-support";
import { ROOT } from "../support/processes.js";

/** One client request as a load loop saw it. */
export interface Sample {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status: number;
  readonly error?: string;
}

/**
 * Runs `concurrency` loops, each sending `request()` back to back, until
 * `stop()` is called; resolves with every sample once the loops ended.
 */
export function loadLoop(concurrency: number, request: (i: number) => Promise<number>) {
  const samples: Sample[] = [];
  let running = true;
  let n = 0;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      const startedAt = performance.now();
      try {
        const status = await request(n++);
        samples.push({ startedAt, endedAt: performance.now(), status });
      } catch (error) {
        samples.push({ startedAt, endedAt: performance.now(), status: 0, error: String(error) });
      }
    }
  });
  return {
    samples,
    async stop(): Promise<Sample[]> {
      running = false;
      await Promise.all(loops);
      return samples;
    },
  };
}

/** GETs `url` and reads the body; the status, or throws on a network error. */
export async function statusOf(url: string, init?: RequestInit): Promise<number> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Timeouts for BFFs under fleet tests: what these tests watch is failover,
 * and the whole suite shares two busy cores, so an upstream merely slowed by
 * the machine must not turn into a 504 that looks like a lost request.
 */
export const PATIENT = { UPSTREAM_TIMEOUT_MS: "3000", REQUEST_DEADLINE_MS: "6000" } as const;

export interface RunningNginx {
  readonly url: string;
  readonly dir: string;
  /** The access log lines so far (`deploy/nginx/nginx.conf`'s `fleet` format). */
  accessLog(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground with `deploy/nginx/nginx.conf`, rewritten
 * only where a test must: its listen port and the BFF instances of its
 * upstream block. Prefix, logs and temp files live in a fresh temp dir;
 * nginx is stopped by its PID.
 */
export async function startNginx(bffUrls: readonly string[]): Promise<RunningNginx> {
  const binary = requireNginx();
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), "portico-nginx-"));
  await mkdir(path.join(dir, "logs"));
  await mkdir(path.join(dir, "tmp"));
  const template = await readFile(path.join(ROOT, "deploy/nginx/nginx.conf"), "utf8");
  const servers = bffUrls
    .map((url) => `        server ${new URL(url).host} max_fails=1 fail_timeout=5s;`)
    .join("\n");
  const conf = template
    .replace(/^\s*listen\s+[^;]+;/m, `        listen 127.0.0.1:${port};`)
    .replace(
      /# bff-instances-begin[\s\S]*?# bff-instances-end/,
      `# bff-instances-begin\n${servers}\n        # bff-instances-end`,
    );
  if (conf === template || !conf.includes(`listen 127.0.0.1:${port};`)) {
    throw new Error("deploy/nginx/nginx.conf no longer has the markers the test rewrites");
  }
  const confPath = path.join(dir, "nginx.conf");
  await writeFile(confPath, conf);
  const check = spawnSync(
    binary,
    ["-t", "-p", dir, "-c", confPath, "-e", "stderr", "-g", `pid ${dir}/nginx.pid;`],
    {
      encoding: "utf8",
    },
  );
  if (check.status !== 0) throw new Error(`nginx refused the config:\n${check.stderr}`);
  const child: ChildProcess = spawn(
    binary,
    ["-p", dir, "-c", confPath, "-e", "stderr", "-g", `daemon off; pid ${dir}/nginx.pid;`],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = once(child, "exit");
  try {
    await within(10_000, () => acceptsConnections(`http://127.0.0.1:${port}`), "nginx listens");
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${String(error)}\n${output}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    async accessLog() {
      const text = await readFile(path.join(dir, "logs", "access.log"), "utf8").catch(() => "");
      return text.split("\n").filter((line) => line !== "");
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // SIGQUIT: graceful; SIGKILL if it lingers. By PID, never by name.
        child.kill("SIGQUIT");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
