// Tests of scripts/check-links.mjs: `node --test scripts/check-links.test.mjs` (part of `npm run lint`).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { anchorsOf, checkLinks, linksOf, slugOf } from "./check-links.mjs";

describe("slugOf", () => {
  it("makes GitHub's anchors: lower case, punctuation dropped, spaces to dashes", () => {
    assert.equal(slugOf("Writes: cart and orders (contract 2.6)"), "writes-cart-and-orders-contract-26");
    assert.equal(slugOf("`GET /v1/products/{id}`"), "get-v1productsid");
    assert.equal(slugOf("WebSocket `/live?productId={id}`"), "websocket-liveproductidid");
    assert.equal(
      slugOf("2. Load balancing, ejection and health checks"),
      "2-load-balancing-ejection-and-health-checks",
    );
  });

  it("keeps the text of code spans, links and emphasis, and underscores that are text", () => {
    assert.equal(slugOf("`<SERVICE>_URL` and **bold** _emph_"), "service_url-and-bold-emph");
    assert.equal(slugOf("See [the docs](docs/api.md)"), "see-the-docs");
  });
});

describe("anchorsOf", () => {
  it("numbers repeated headings, skips code blocks and takes explicit anchors", () => {
    const anchors = anchorsOf('# A\n## A\n```sh\n# not a heading\n```\n## A ##\n<a id="here"></a>\n');
    assert.deepEqual([...anchors].sort(), ["a", "a-1", "a-2", "here"]);
  });
});

describe("linksOf", () => {
  it("finds inline links, images, references, autolinks, bare URLs and HTML, but not code", () => {
    const text = [
      'See [a](a.md) and ![b](b.png "title").',
      "[ref]: c.md",
      "<https://example.org/x> and http://example.org/y",
      '<img src="d.png">',
      "`[code](not-a-link.md)` and `http://localhost:8081`",
      "```",
      "[fenced](not-a-link.md)",
      "```",
    ].join("\n");
    assert.deepEqual(
      linksOf(text).map(({ line, target }) => `${line}:${target}`),
      ["1:a.md", "1:b.png", "2:c.md", "3:https://example.org/x", "3:http://example.org/y", "4:d.png"],
    );
  });
});

describe("checkLinks", () => {
  const root = mkdtempSync(path.join(tmpdir(), "check-links-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const write = (file, text) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  write(
    "README.md",
    [
      "# Project",
      "[api](docs/api.md#errors) [folder](docs/) [self](#project) [app](apps/one/README.md)",
      "[gone](docs/missing.md) [bad anchor](docs/api.md#nope)",
      "[outside](../shared/contract.md) [absolute](/etc/passwd) [web](https://example.org)",
      "The contract is `../shared/design/contract.md`, not in the repository.",
    ].join("\n"),
  );
  write(
    "docs/api.md",
    "# API\n\n## Errors\n\n[back](../README.md#project) [code](../src/x.ts#L3), from here `../README.md`\n",
  );
  write("apps/one/README.md", "# One\n\n[api](../../docs/api.md#errors) [escape](../../../x.md)\n");
  write("src/x.ts", "export {};\n");
  write("other/ignored.md", "[not scanned](nowhere.md)\n");

  it("reports every link that is missing, has no such heading or leaves the repository", () => {
    const { files, broken } = checkLinks(root);
    assert.equal(files, 3);
    assert.deepEqual(
      broken.map(({ file, line, target }) => `${file}:${line}: ${target}`),
      [
        "README.md:3: docs/missing.md",
        "README.md:3: docs/api.md#nope",
        "README.md:4: ../shared/contract.md",
        "README.md:4: /etc/passwd",
        "README.md:4: https://example.org",
        "README.md:5: ../shared/design/contract.md",
        "apps/one/README.md:3: ../../../x.md",
      ],
    );
  });
});
