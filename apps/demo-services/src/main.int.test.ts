import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually } from "@portico/test-support";
import { beforeAll, describe, expect, it } from "vitest";
import type { ReadyLine } from "./start-from-env.js";
import { errorCode, rawGet } from "./test-support/http.js";

// main.ts runs as built JS; there is no TS loader here. The suite runs after
// `build` (turbo), and fails rather than run against missing or stale output.
const srcDir = dirname(fileURLToPath(import.meta.url));
const mainJs = join(srcDir, "..", "dist", "main.js");

function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "test-support" ? 0 : newestSource(path);
      return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? statSync(path).mtimeMs : 0;
    }),
  );
}

beforeAll(() => {
  if (!existsSync(mainJs) || statSync(mainJs).mtimeMs < newestSource(srcDir)) {
    throw new Error(
      "dist/main.js is missing or older than src/: build it first (npx -y pnpm@12.4.2 exec turbo run build --filter=@portico/demo-services)",
    );
  }
});

function run(env: Record<string, string>): ChildProcess & { out: string[]; err: string[] } {
  const child = spawn(process.execPath, [mainJs], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => out.push(chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => err.push(chunk));
  return Object.assign(child, { out, err });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

// Starting node and ten services takes well under a second alone, but several
// seconds while other packages' suites load both cores (`npm run check`).
describe("main (dist/main.js)", { timeout: 30_000 }, () => {
  it("prints one ready line, then exits 0 on SIGTERM even with a hung request open", async () => {
    const child = run({ DEMO_BASE_PORT: "0" });
    const exit = exited(child);
    try {
      await eventually(() => child.out.join("").includes("\n"), 10_000);
      const lines = child.out.join("").trim().split("\n");
      expect(lines).toHaveLength(1);
      const ready = JSON.parse(lines[0]!) as ReadyLine;
      expect(ready.msg).toBe("demo-services ready");

      await fetch(`${ready.control}/_faults/catalog`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ mode: "hang" }),
      });
      const hung = rawGet(`${ready.services.catalog}/products/p1`, { timeoutMs: 5000 }).catch(
        (e: unknown) => e,
      );
      await eventually(async () => {
        const stats = (await (await fetch(`${ready.control}/_stats/catalog`)).json()) as { inFlight: number };
        return stats.inFlight === 1;
      }, 2_000);

      child.kill("SIGTERM");
      expect(await exit).toBe(0);
      expect(errorCode(await hung)).toBe("ECONNRESET");
      expect(child.err.join("")).toBe("");
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("exits 1 with one stderr line naming a bad variable", async () => {
    const child = run({ DEMO_BASE_PORT: "seven" });
    expect(await exited(child)).toBe(1);
    expect(child.out.join("")).toBe("");
    const stderr = child.err.join("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain("DEMO_BASE_PORT");
  });
});
