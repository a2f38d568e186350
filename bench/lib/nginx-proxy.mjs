// A peer for the pass-through scenario: nginx's `proxy_pass` to the same
// fake reviews upstream, HTTP/1.1 with a keep-alive pool to it, one worker,
// no access log. Used when nginx is installed (`PORTICO_NGINX`, else
// /usr/sbin/nginx, else `nginx` on PATH); the benchmark skips it otherwise.
// Each run gets a temporary prefix directory with its own configuration,
// pid file, error log and temp paths, removed when nginx stops.
import { execFileSync, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pinned } from "./load.mjs";

/** The nginx binary to use, or undefined (with the reason) when there is none. */
export function findNginx(env = process.env) {
  const executable = (path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (env.PORTICO_NGINX) {
    return executable(env.PORTICO_NGINX)
      ? { binary: env.PORTICO_NGINX }
      : { reason: `PORTICO_NGINX=${env.PORTICO_NGINX} is not an executable` };
  }
  if (executable("/usr/sbin/nginx")) return { binary: "/usr/sbin/nginx" };
  try {
    const found = execFileSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" }).trim();
    if (found) return { binary: found };
  } catch {
    // not on PATH either
  }
  return { reason: "nginx is not installed (/usr/sbin/nginx, PATH; or set PORTICO_NGINX)" };
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function config({ prefix, port, upstream }) {
  const { host } = new URL(upstream);
  return `daemon off;
master_process on;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events {
  worker_connections 4096;
}
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  # Client connections kept open as long as node's servers keep them.
  keepalive_timeout 120s;
  keepalive_requests 1000000;
  upstream reviews {
    server ${host};
    keepalive 256;
    keepalive_requests 1000000;
    keepalive_timeout 110s;
  }
  server {
    listen 127.0.0.1:${port};
    location = /reviews {
      proxy_pass http://reviews;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $proxy_host;
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }
    location = /__ready {
      return 204;
    }
  }
}
`;
}

/**
 * Starts nginx on a free loopback port, pinned to `cpu`, proxying
 * `/reviews` to `upstream`. Resolves with `{ url, child }` once it answers;
 * `child.pid` is the master's (the worker is its child: see `cpuOfTree`).
 * Stop it with SIGTERM to that PID; its directory is removed when it exits.
 */
export async function startNginx({ binary, upstream, cpu }) {
  const prefix = mkdtempSync(join(tmpdir(), "portico-bench-nginx-"));
  const port = await freePort();
  const file = join(prefix, "nginx.conf");
  writeFileSync(file, config({ prefix, port, upstream }));
  const [command, argv] = pinned(cpu, binary, ["-p", `${prefix}/`, "-e", `${prefix}/error.log`, "-c", file]);
  const child = spawn(command, argv, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const cleanUp = () => rmSync(prefix, { recursive: true, force: true });
  child.on("exit", cleanUp);
  // Also when the runner exits first (an error): its exit handler has signalled nginx by then.
  process.once("exit", cleanUp);
  const url = `http://127.0.0.1:${port}`;
  const errorLog = () => {
    try {
      return readFileSync(join(prefix, "error.log"), "utf8").slice(-2000);
    } catch {
      return "";
    }
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}: ${stderr}${errorLog()}`);
    try {
      const response = await fetch(`${url}/__ready`);
      if (response.status === 204) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`nginx did not answer in 10 s: ${stderr}${errorLog()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, child };
}
