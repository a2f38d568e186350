#!/usr/bin/env node
// The BFFs' OpenAPI documents (contract 2.7), as files, from the built apps
// (`apps/<app>/dist/api/openapi.js`, which exports `buildOpenApiDocument`):
//
//   node scripts/openapi.mjs write [app…]  # apps/<app>/dist/openapi.json (each BFF's `build` runs it)
//   node scripts/openapi.mjs lint [app…]   # Redocly's recommended rules on each; exit 1 on an error
//
// Without app names: every app under apps/ that has `src/api/openapi.ts`
// (the three BFFs, and any made by `pnpm new-bff`).
//
// `lint` writes the documents to a temporary folder and runs the workspace's
// `redocly lint` with scripts/redocly.yaml (offline: no telemetry, no
// update check).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The apps that describe their API: those with `src/api/openapi.ts`. */
function describedApps() {
  const apps = path.join(root, "apps");
  return readdirSync(apps, { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && existsSync(path.join(apps, entry.name, "src", "api", "openapi.ts")),
    )
    .map((entry) => entry.name)
    .sort();
}

/** The app's document, built by its own compiled code. */
async function documentOf(app) {
  const built = path.join(root, "apps", app, "dist", "api", "openapi.js");
  if (!existsSync(built)) {
    throw new Error(
      `${built} is missing: build it first (npx -y pnpm@12.4.2 --filter @portico/${app} run build)`,
    );
  }
  const { buildOpenApiDocument } = await import(pathToFileURL(built).href);
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

async function write(apps) {
  for (const app of apps) {
    const dist = path.join(root, "apps", app, "dist");
    mkdirSync(dist, { recursive: true });
    const file = path.join(dist, "openapi.json");
    writeFileSync(file, await documentOf(app));
    console.log(`openapi: wrote ${path.relative(root, file)}`);
  }
}

async function lint(apps) {
  const dir = mkdtempSync(path.join(tmpdir(), "portico-openapi-"));
  try {
    const files = [];
    for (const app of apps) {
      const file = path.join(dir, `${app}.openapi.json`);
      writeFileSync(file, await documentOf(app));
      files.push(file);
    }
    const bin = path.join(root, "node_modules", ".bin", "redocly");
    const args = [
      "lint",
      "--config",
      path.join(root, "scripts", "redocly.yaml"),
      "--format=stylish",
      ...files,
    ];
    const result = spawnSync(existsSync(bin) ? bin : "npx", existsSync(bin) ? args : ["redocly", ...args], {
      stdio: "inherit",
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    });
    return result.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [command, ...named] = process.argv.slice(2);
const known = describedApps();
const apps = named.length > 0 ? named : known;
for (const app of apps) {
  if (!known.includes(app)) {
    console.error(`openapi: unknown app ${app} (one of ${known.join(", ")})`);
    process.exit(2);
  }
}
if (command === "write") await write(apps);
else if (command === "lint") process.exitCode = await lint(apps);
else {
  console.error(`usage: node scripts/openapi.mjs write|lint [${known.join("|")}…]`);
  process.exitCode = 2;
}
