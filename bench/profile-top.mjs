#!/usr/bin/env node
// Prints the top self-time frames of a V8 CPU profile (`node --cpu-prof`),
// and the same grouped by package, e.g. to see what a gateway spends its
// time on under `BENCH_CPU_PROF=mobile pnpm bench`:
//
//   node bench/profile-top.mjs bench/results/profiles/mobile-….cpuprofile [rows]
import { readFileSync } from "node:fs";

const [file, rowsArg] = process.argv.slice(2);
if (file === undefined) {
  console.error("usage: node bench/profile-top.mjs <file.cpuprofile> [rows]");
  process.exit(2);
}
const rows = Number(rowsArg ?? 30);
const profile = JSON.parse(readFileSync(file, "utf8"));

// Self time per node: samples × the interval each sample stands for.
const selfUs = new Map();
const { samples, timeDeltas } = profile;
for (let i = 0; i < samples.length; i++) {
  const next = timeDeltas[i + 1] ?? 0;
  selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + next);
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const where = (url) => {
  if (url === "") return "(native/V8)";
  const pkg = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith("node:")) return url;
  const local = /\/(packages|apps)\/([^/]+)\//.exec(url);
  return local ? `${local[1]}/${local[2]}` : url.replace(/^file:\/\//, "");
};

const byFrame = new Map();
const byPackage = new Map();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const short = url
    .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "")
    .replace(/^file:\/\/.*?\/(packages|apps)\//, "$1/");
  const key = `${functionName || "(anonymous)"}  ${short}${url ? `:${lineNumber + 1}` : ""}`;
  byFrame.set(key, (byFrame.get(key) ?? 0) + us);
  const pkg = where(url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}

// Inclusive time per frame: its own plus its callees', counted once per stack.
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
const keyOf = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const short = url
    .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "")
    .replace(/^file:\/\/.*?\/(packages|apps)\//, "$1/");
  return `${functionName || "(anonymous)"}  ${short}${url ? `:${lineNumber + 1}` : ""}`;
};
const inclusive = new Map();
for (const [id, us] of selfUs) {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parentOf.get(at)) {
    const key = keyOf(nodesById.get(at));
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}

const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled\n\nself time by frame:`);
for (const [key, us] of [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, rows))
  console.log(`${pct(us)}  ${key}`);
console.log("\ninclusive time by frame (self + callees):");
for (const [key, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, rows))
  console.log(`${pct(us)}  ${key}`);
console.log("\nself time by package or file:");
for (const [key, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, rows))
  console.log(`${pct(us)}  ${key}`);
