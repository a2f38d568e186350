#!/usr/bin/env node
// Checks the links of the project's own docs: README.md, docs/**/*.md,
// apps/*/README.md and packages/*/README.md. Every link must stay in the
// repository: a relative path to a file or folder that is in it (tracked,
// or new and not ignored by git), and an anchor must name a heading of
// the target (GitHub's slugs) or an explicit `<a id>`/`<a name>`. Links
// to the web (`http(s)://`, `mailto:`, bare URLs GitHub would turn into
// links) and absolute paths are errors, and so is a path in a code span
// that climbs out of the repository (`` `../shared/…` ``): someone who
// clones the project must not need anything outside it to read its docs.
//
//   node scripts/check-links.mjs          # exit 1 and `file:line: broken link X (why)` per bad link
//
// No dependencies: Node's own modules, and `git ls-files` when git is there.

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The markdown files whose links are checked, relative to `root`, sorted. */
export function docFiles(root) {
  const files = [];
  if (existsSync(path.join(root, "README.md"))) files.push("README.md");
  const walk = (dir) => {
    const full = path.join(root, dir);
    if (!existsSync(full)) return;
    for (const entry of readdirSync(full, { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith(".md")) files.push(rel);
    }
  };
  walk("docs");
  for (const group of ["apps", "packages"]) {
    const full = path.join(root, group);
    if (!existsSync(full)) continue;
    for (const entry of readdirSync(full, { withFileTypes: true })) {
      const readme = path.posix.join(group, entry.name, "README.md");
      if (entry.isDirectory() && existsSync(path.join(root, readme))) files.push(readme);
    }
  }
  return files.sort();
}

/**
 * GitHub's heading anchor: the rendered text, lower-case, without
 * punctuation (letters, digits, `-`, `_` and spaces are kept), each space
 * a `-`. Markup is rendered first: code spans keep their text, links their
 * label, emphasis marks go.
 */
export function slugOf(heading) {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .split(/(`+[^`]*`+)/)
    .map((piece, i) =>
      i % 2 === 1
        ? piece.replace(/^`+|`+$/g, "")
        : piece
            .replace(/<[^>]+>/g, "")
            .replace(/(\*\*|__)(.+?)\1/g, "$2")
            .replace(/(^|\W)[*_](.+?)[*_](?=\W|$)/g, "$1$2"),
    )
    .join("");
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

/** For each line, whether it belongs to a fenced code block (its fences included). */
function inCodeBlocks(lines) {
  let fence;
  return lines.map((line) => {
    const marks = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined) {
      if (marks !== undefined) fence = marks;
      return marks !== undefined;
    }
    const closes =
      marks !== undefined &&
      marks[0] === fence[0] &&
      marks.length >= fence.length &&
      /^\s*$/.test(line.trim().slice(marks.length));
    if (closes) fence = undefined;
    return true;
  });
}

/**
 * The lines of a markdown file with code blocks blanked (their links are
 * examples, not links) and code spans removed, so line numbers still match.
 */
function proseLines(text) {
  const lines = text.split(/\r?\n/);
  const code = inCodeBlocks(lines);
  return lines.map((line, i) => (code[i] ? "" : line.replace(/(`+)(?:(?!\1).)+?\1/g, "")));
}

/** Every anchor a markdown file offers: its headings' slugs (GitHub numbers repeats `-1`, `-2`) and `<a id|name>`. */
export function anchorsOf(text) {
  const anchors = new Set();
  const seen = new Map();
  const lines = text.split(/\r?\n/);
  const code = inCodeBlocks(lines);
  for (const [i, line] of lines.entries()) {
    if (code[i]) continue;
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (heading) {
      const slug = slugOf(heading[1]);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const match of line.matchAll(/<a\s[^>]*\b(?:id|name)\s*=\s*["']([^"']+)["']/gi))
      anchors.add(match[1]);
  }
  return anchors;
}

/** The links of a markdown file: `{ line, target }`, from inline links and images, references, autolinks, bare URLs and HTML. */
export function linksOf(text) {
  const links = [];
  proseLines(text).forEach((line, index) => {
    const found = [];
    // [label](target "title") and ![alt](target); the target may be <in angle brackets>.
    for (const match of line.matchAll(
      /!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^\s)]*(?:\([^\s)]*\)[^\s)]*)*)/g,
    )) {
      found.push([match.index, match[1].replace(/^<|>$/g, "")]);
    }
    // [label]: target
    const definition = /^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(line);
    if (definition) found.push([0, definition[1].replace(/^<|>$/g, "")]);
    // <https://…>, <mailto:…>
    for (const match of line.matchAll(/<((?:[a-z][a-z0-9+.-]*):[^\s<>]+)>/gi))
      found.push([match.index, match[1]]);
    // href="…", src="…"
    for (const match of line.matchAll(/\b(?:href|src)\s*=\s*["']([^"']*)["']/gi))
      found.push([match.index, match[1]]);
    // Bare URLs, which GitHub turns into links, outside the forms above.
    const bare = line
      .replace(/!?\[(?:[^\]\\]|\\.)*\]\([^)]*\)/g, (m) => " ".repeat(m.length))
      .replace(/<[^>]*>/g, (m) => " ".repeat(m.length))
      .replace(/^\s{0,3}\[[^\]]+\]:.*$/, "");
    for (const match of bare.matchAll(/\b(?:https?:\/\/|www\.)[^\s<>]*/gi))
      found.push([match.index, match[0]]);
    found.sort((a, b) => a[0] - b[0]);
    for (const [, target] of found) links.push({ line: index + 1, target });
  });
  return links;
}

/**
 * Paths in code spans that start with `../` (`` `../shared/design/contract.md` ``):
 * not links, but a reader follows them all the same, so one that leaves the
 * repository is reported too. Other code spans are not checked.
 */
export function codePathsOf(text) {
  const lines = text.split(/\r?\n/);
  const code = inCodeBlocks(lines);
  const paths = [];
  lines.forEach((line, index) => {
    if (code[index]) return;
    for (const match of line.matchAll(/(`+)\s*(\.\.\/[^\s`]*)\s*\1/g))
      paths.push({ line: index + 1, target: match[2] });
  });
  return paths;
}

/** Files and folders in the repository: tracked or new-and-not-ignored (git), else whatever exists. */
function repositoryPaths(root) {
  try {
    const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 64 * 1024 * 1024,
    });
    const paths = new Set([""]);
    for (const file of out.split("\0")) {
      if (file === "" || !existsSync(path.join(root, file))) continue;
      paths.add(file);
      for (let dir = path.posix.dirname(file); dir !== "."; dir = path.posix.dirname(dir)) paths.add(dir);
    }
    return (rel) => paths.has(rel);
  } catch {
    return (rel) => existsSync(path.join(root, rel));
  }
}

/** Why `target`, linked from `from` (relative to `root`), is broken; undefined when it is fine. */
function problemOf(root, from, target, inRepository, anchorCache) {
  if (target === "") return "empty link";
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//") || /^www\./i.test(target)) {
    return "leaves the repository (a link to the web: name the page in text, or link a file in the repository)";
  }
  if (target.startsWith("/")) return "absolute path (link relative to this file)";
  const hash = target.indexOf("#");
  const pathPart = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? undefined : target.slice(hash + 1);
  let decoded;
  try {
    decoded = decodeURIComponent(pathPart.split("?")[0]);
  } catch {
    return "malformed percent-encoding";
  }
  // `#anchor` alone is this file's own.
  const resolved =
    decoded === "" ? from : path.posix.normalize(path.posix.join(path.posix.dirname(from), decoded));
  if (resolved === ".." || resolved.startsWith("../")) return "leaves the repository";
  const rel = resolved === "." ? "" : resolved.replace(/\/$/, "");
  if (!inRepository(rel)) return "no such file in the repository";
  if (anchor === undefined || anchor === "") return undefined;
  const full = path.join(root, rel);
  if (statSync(full).isDirectory()) return `anchor #${anchor} on a folder`;
  if (!rel.endsWith(".md")) {
    return /^L\d+(-L\d+)?$/.test(anchor) ? undefined : `anchor #${anchor} in a file that is not markdown`;
  }
  let anchors = anchorCache.get(rel);
  if (anchors === undefined) {
    anchors = anchorsOf(readFileSync(full, "utf8"));
    anchorCache.set(rel, anchors);
  }
  let wanted = anchor;
  try {
    wanted = decodeURIComponent(anchor);
  } catch {}
  return anchors.has(wanted) || anchors.has(wanted.toLowerCase())
    ? undefined
    : `no heading #${anchor} in ${rel}`;
}

/** Every broken link under `root`: `{ file, line, target, why }`, plus how many links were checked. */
export function checkLinks(root) {
  const inRepository = repositoryPaths(root);
  const anchorCache = new Map();
  const broken = [];
  let count = 0;
  const files = docFiles(root);
  for (const file of files) {
    for (const { line, target } of linksOf(readFileSync(path.join(root, file), "utf8"))) {
      count += 1;
      const why = problemOf(root, file, target, inRepository, anchorCache);
      if (why !== undefined) broken.push({ file, line, target, why });
    }
    for (const { line, target } of codePathsOf(readFileSync(path.join(root, file), "utf8"))) {
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
      if (resolved === ".." || resolved.startsWith("../")) {
        broken.push({ file, line, target, why: "a path in code that leaves the repository" });
      }
    }
  }
  broken.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  return { files: files.length, links: count, broken };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const { files, links, broken } = checkLinks(root);
  for (const { file, line, target, why } of broken)
    console.error(`${file}:${line}: broken link ${target} (${why})`);
  if (broken.length > 0) {
    console.error(`check-links: ${broken.length} broken of ${links} links in ${files} files`);
    process.exit(1);
  }
  console.log(`check-links: ${links} links in ${files} files, all in the repository`);
}
