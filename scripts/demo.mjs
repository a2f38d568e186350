#!/usr/bin/env node
// Runs the whole demo shop: the internal services and every BFF that is built,
// each as its own process with its output prefixed. Ctrl-C stops them all.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
// The shop first, then the three BFFs, then any other (`pnpm new-bff`, docs/new-bff.md).
const FIRST = ["demo-services", "mobile-bff", "web-bff", "partner-bff"];
const others = readdirSync(`${root}apps`)
  .filter((name) => name.endsWith("-bff") && !FIRST.includes(name))
  .sort();
const apps = [...FIRST, ...others]
  .map((name) => ({ name, entry: `apps/${name}/dist/main.js` }))
  .filter((app) => existsSync(`${root}${app.entry}`));

if (apps.length === 0) {
  console.error("Nothing is built: run `npm run demo` (it installs and builds first).");
  process.exit(1);
}

const children = apps.map(({ name, entry }) => {
  const child = spawn(process.execPath, [`${root}${entry}`], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = `[${name}]`.padEnd(16);
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    stream.on("data", (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) console.log(`${prefix}${line}`);
    });
  }
  child.on("exit", (code, signal) => {
    console.log(`${prefix}exited (${signal ?? code})`);
    if (!stopping) stop(code ?? 1);
  });
  return child;
});

console.log(`
Portico demo shop starting. Try:
  curl -s localhost:8081/productdetails/p1            # mobile-bff
  curl -s -X POST localhost:7100/_faults/recommendations -H 'content-type: application/json' -d '{"mode":"error","status":500}'
  curl -s localhost:8081/productdetails/p1            # now with "degraded":{"recommendations":"default"}
  curl -s -X DELETE localhost:7100/_faults            # heal everything
Ctrl-C stops everything.
`);

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 3_000).unref();
  Promise.all(
    children.map(
      (child) => new Promise((resolve) => (child.exitCode === null ? child.on("exit", resolve) : resolve())),
    ),
  ).then(() => process.exit(code));
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
