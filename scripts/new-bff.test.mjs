// Tests of scripts/new-bff.mjs: `node --test scripts/new-bff.test.mjs`
// (`npm run test:new-bff`, part of `npm run check`, after the typecheck has
// built core and test-support). The end-to-end test runs the generator in
// a temporary copy of the repository, links the copy to this checkout's
// installed packages, then builds, typechecks, lints, tests and starts the
// generated app there: nothing is written under this checkout's apps/.
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { checkLinks } from "./check-links.mjs";
import { checkName, freeDefaultPort, NewBffError, withKustomizeResource } from "./new-bff.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The longest name the generator takes. */
const LONG = "abcdefghij-klmnopqrst-uvwxyzabcd-efghijk";

/** A temporary directory, removed by `cleanUp` (a suite's `after` or a test's `t.after`). */
function tempRoot(prefix, cleanUp = after) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cleanUp(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeFile(root, file, text) {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}

describe("checkName", () => {
  const root = tempRoot("new-bff-names-");
  mkdirSync(path.join(root, "apps", "mobile-bff"), { recursive: true });

  it("takes lower-case letters, digits and single dashes, and gives the app's directory", () => {
    assert.equal(checkName("tv", root), "tv-bff");
    assert.equal(checkName("back-office2", root), "back-office2-bff");
  });

  it("refuses other names, the -bff suffix and an existing app, each with one line", () => {
    for (const name of ["", "TV", "2tv", "tv_app", "tv--x", "-tv", "tv-", "a b", "x".repeat(41)]) {
      assert.throws(() => checkName(name, root), NewBffError, name);
    }
    assert.throws(() => checkName("tv-bff", root), /without "-bff" \(e\.g\. tv\)/);
    assert.throws(() => checkName("mobile", root), /apps\/mobile-bff already exists/);
  });
});

describe("freeDefaultPort", () => {
  it("is the first port from 8084 no app's DEFAULT_PORT takes", (t) => {
    const root = tempRoot("new-bff-ports-", (fn) => t.after(fn));
    assert.equal(freeDefaultPort(root), 8084);
    writeFile(root, "apps/a-bff/src/app.ts", "export const DEFAULT_PORT = 8084;\n");
    writeFile(root, "apps/b-bff/src/app.ts", "export const DEFAULT_PORT = 8085;\n");
    writeFile(root, "apps/c-bff/src/app.ts", "export const DEFAULT_PORT = 8087;\n");
    assert.equal(freeDefaultPort(root), 8086);
  });

  it("gives the real workspace's new app none of the existing apps' ports", () => {
    const port = freeDefaultPort(ROOT);
    for (const app of ["mobile-bff", "web-bff", "partner-bff"]) {
      const text = readFileSync(path.join(ROOT, "apps", app, "src", "app.ts"), "utf8");
      assert.ok(!text.includes(`DEFAULT_PORT = ${port};`), app);
    }
  });
});

describe("withKustomizeResource", () => {
  const text = "apiVersion: x\nresources:\n  - a.yaml\n  - b.yaml\n";

  it("lists the manifest at the end of resources, once", () => {
    const added = withKustomizeResource(text, "tv-bff");
    assert.equal(added, "apiVersion: x\nresources:\n  - a.yaml\n  - b.yaml\n  - tv-bff.yaml\n");
    assert.equal(withKustomizeResource(added, "tv-bff"), added);
  });

  it("adds a resources list when there is none", () => {
    assert.equal(
      withKustomizeResource("kind: Kustomization", "tv-bff"),
      "kind: Kustomization\nresources:\n  - tv-bff.yaml\n",
    );
  });
});

/** The checkout's own files (tracked, or new and not ignored), as a list of paths. */
function repositoryFiles() {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return listed.split("\0").filter((file) => file !== "" && existsSync(path.join(ROOT, file)));
}

/**
 * Runs a package script's command in `cwd` with `bin` (a node_modules/.bin)
 * first on PATH, as `pnpm run` does; throws with its output.
 */
function run(command, cwd, bin) {
  const result = spawnSync("sh", ["-c", command], {
    cwd,
    encoding: "utf8",
    // No colours: under CI=true vitest colours its summary, which the assertions read as text.
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  if (result.status !== 0) {
    throw new Error(`${command} (in ${cwd}) exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

async function closedPortUrl() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe("pnpm new-bff tv, in a copy of the repository", { timeout: 150_000 }, () => {
  const copy = tempRoot("new-bff-repo-");
  const generator = path.join(copy, "scripts", "new-bff.mjs");
  const appDir = path.join(copy, "apps", "tv-bff");
  const bin = path.join(copy, "node_modules", ".bin");
  const cli = (...args) => spawnSync(process.execPath, [generator, ...args], { cwd: copy, encoding: "utf8" });

  before(() => {
    for (const dependency of ["packages/core/dist/index.js", "packages/test-support/dist/index.js"]) {
      if (!existsSync(path.join(ROOT, dependency))) {
        throw new Error(`${dependency} is missing: build first (npx -y pnpm@12.4.2 run build)`);
      }
    }
    for (const file of repositoryFiles()) {
      mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
      cpSync(path.join(ROOT, file), path.join(copy, file));
    }
    // A repository of its own: biome and check-links skip what .gitignore names (dist/), as here.
    execFileSync("git", ["init", "-q"], { cwd: copy });
    // What `pnpm install` gives the root: its tools (tsc, vitest, biome, redocly).
    symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"), "dir");
  });

  it("refuses a bad name or an existing app with one line and exit 2, and writes nothing", () => {
    for (const args of [
      ["Tv"],
      ["tv-bff"],
      ["mobile"],
      ["tv", "--port", "8081"],
      ["tv", "--port", "80"],
      [],
    ]) {
      const result = cli(...args, "--no-install");
      assert.equal(result.status, 2, args.join(" "));
      assert.equal(result.stdout, "");
      assert.match(result.stderr, /^new-bff: [^\n]+\n$/, args.join(" "));
    }
    assert.ok(!existsSync(appDir));
  });

  it("writes the app, its Dockerfile and manifest, and lists the manifest for kustomize", () => {
    const result = cli("tv", "--no-install");
    assert.equal(result.status, 0, result.stderr);
    for (const file of [
      "package.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "README.md",
      "src/app.ts",
      "src/main.ts",
      "src/app.test.ts",
      "src/routes/product.ts",
      "src/api/openapi.ts",
    ]) {
      assert.ok(existsSync(path.join(appDir, file)), file);
    }
    assert.ok(existsSync(path.join(copy, "deploy/docker/tv-bff.Dockerfile")));
    assert.ok(existsSync(path.join(copy, "deploy/docker/tv-bff.Dockerfile.dockerignore")));
    const manifest = readFileSync(path.join(copy, "deploy/k8s/tv-bff.yaml"), "utf8");
    const port = freeDefaultPort(ROOT);
    assert.match(manifest, new RegExp(`containerPort: ${port} \\}`));
    assert.match(
      readFileSync(path.join(copy, "deploy/k8s/kustomization.yaml"), "utf8"),
      /\n {2}- tv-bff\.yaml\n/,
    );
    assert.match(
      readFileSync(path.join(appDir, "src/app.ts"), "utf8"),
      new RegExp(`DEFAULT_PORT = ${port};`),
    );
    assert.equal(JSON.parse(readFileSync(path.join(appDir, "package.json"), "utf8")).name, "@portico/tv-bff");
    // Twice is refused: the app exists.
    assert.match(cli("tv", "--no-install").stderr, /apps\/tv-bff already exists/);
  });

  it("writes files biome passes as they are, whatever the name's length", () => {
    assert.equal(cli(LONG, "--no-install").status, 0);
    run(`biome ci apps/tv-bff apps/${LONG}-bff`, copy, bin);
  });

  it("builds (with dist/openapi.json), typechecks, passes biome and its own tests", () => {
    // What `pnpm install` links into the app: the workspace's packages and zod.
    mkdirSync(path.join(appDir, "node_modules", "@portico"), { recursive: true });
    for (const name of ["core", "test-support"]) {
      symlinkSync(
        path.join(ROOT, "packages", name),
        path.join(appDir, "node_modules", "@portico", name),
        "dir",
      );
    }
    const zod = realpathSync(path.join(ROOT, "packages", "core", "node_modules", "zod"));
    symlinkSync(zod, path.join(appDir, "node_modules", "zod"), "dir");
    const { scripts } = JSON.parse(readFileSync(path.join(appDir, "package.json"), "utf8"));
    run(scripts.build, appDir, bin);
    assert.ok(existsSync(path.join(appDir, "dist", "main.js")));
    const document = JSON.parse(readFileSync(path.join(appDir, "dist", "openapi.json"), "utf8"));
    assert.match(document.openapi, /^3\.1\./);
    assert.deepEqual(Object.keys(document.paths).sort(), ["/openapi.json", "/products/{productId}"]);
    run(scripts.typecheck, appDir, bin);
    run(scripts.lint, appDir, bin);
    // Escape codes stripped too, whatever decides the colours.
    const tests = stripVTControlCharacters(run(`${scripts.test} --reporter=dot`, appDir, bin));
    assert.match(tests, /Tests\s+\d+ passed \(\d+\)/);
    assert.doesNotMatch(tests, /failed|skipped/);
  });

  it("writes a document Redocly lints clean, and a README whose links hold", () => {
    run("node scripts/openapi.mjs lint tv-bff", copy, bin);
    const readmes = ["apps/tv-bff/README.md", `apps/${LONG}-bff/README.md`];
    const broken = checkLinks(copy).broken.filter(({ file }) => readmes.includes(file));
    assert.deepEqual(broken, []);
  });

  it("starts: /healthz 200, the document as built, a problem+json 502 with no shop, exit 0 on SIGTERM", async (t) => {
    // Every service at a port nothing listens on (core's own list of them).
    const core = await import(pathToFileURL(path.join(ROOT, "packages", "core", "dist", "index.js")).href);
    const down = await closedPortUrl();
    const child = spawn(process.execPath, ["dist/main.js"], {
      cwd: appDir,
      env: {
        PATH: process.env.PATH,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
        ...Object.fromEntries(core.SERVICE_NAMES.map((service) => [`${core.envPrefix(service)}_URL`, down])),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    t.after(() => {
      if (child.exitCode === null) process.kill(child.pid, "SIGKILL");
    });
    let output = "";
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tv-bff did not start:\n${output}`)), 20_000);
      const onData = (chunk) => {
        output += chunk;
        const listening = /"msg":"tv-bff listening","url":"([^"]+)"/.exec(output);
        if (listening) {
          clearTimeout(timer);
          resolve(listening[1]);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", (code) => reject(new Error(`tv-bff exited ${code}:\n${output}`)));
    });
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    const served = await fetch(`${url}/openapi.json`);
    assert.equal(served.status, 200);
    assert.deepEqual(
      await served.json(),
      JSON.parse(readFileSync(path.join(appDir, "dist", "openapi.json"), "utf8")),
    );
    const failed = await fetch(`${url}/products/p1`);
    assert.equal(failed.status, 502);
    assert.match(failed.headers.get("content-type") ?? "", /^application\/problem\+json/);
    process.kill(child.pid, "SIGTERM");
    assert.equal(await exited, 0);
  });
});
