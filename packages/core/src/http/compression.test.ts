import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compressBody, compressStream, preferredCoding } from "./compression.js";

describe("preferredCoding", () => {
  it.each([
    [undefined, undefined],
    ["", undefined],
    ["identity", undefined],
    ["gzip", "gzip"],
    ["br", "br"],
    ["gzip, br", "br"],
    ["gzip;q=0.9, br;q=0.9", "br"],
    ["br;q=0.5, gzip", "gzip"],
    ["gzip;q=0", undefined],
    ["gzip;q=0, br;q=0", undefined],
    ["*", "br"],
    ["*;q=0.5, br;q=0", "gzip"],
    ["br;q=0, *", "gzip"],
    ["deflate, compress", undefined],
    ["GZIP;Q=1", "gzip"],
    ["x-gzip", "gzip"],
    ["br;q=2, gzip", "gzip"],
    ["br;q=abc, gzip;q=0.1", "gzip"],
    [" gzip ; q=0.001 , identity", "gzip"],
  ])("Accept-Encoding %j: %s", (header, coding) => {
    expect(preferredCoding(header)).toBe(coding);
    // A second look comes from what was remembered, and is the same.
    expect(preferredCoding(header)).toBe(coding);
  });
});

describe("compression", () => {
  const body = JSON.stringify({
    items: Array.from({ length: 50 }, (_, i) => ({ id: `p${i}`, name: "Product" })),
  });

  it("compresses a whole body that decodes back to itself", () => {
    expect(brotliDecompressSync(compressBody(body, "br")).toString()).toBe(body);
    expect(gunzipSync(compressBody(body, "gzip")).toString()).toBe(body);
    expect(compressBody(body, "gzip").length).toBeLessThan(body.length / 3);
  });

  it("decodes back whatever the size: output beyond the sized buffer, bodies beyond gzip's fitted window", () => {
    // Random bytes barely compress: their output outgrows a buffer sized for JSON.
    const noise = randomBytes(3000).toString("base64");
    const large = JSON.stringify(Array.from({ length: 4000 }, (_, i) => ({ id: `p${i}`, n: i * 7919 })));
    for (const text of ["x".repeat(1025), noise, large]) {
      expect(brotliDecompressSync(compressBody(text, "br")).toString()).toBe(text);
      expect(gunzipSync(compressBody(text, "gzip")).toString()).toBe(text);
    }
  });

  it("streams decode back whatever the body's size, told or not, past the buffer the size picked", async () => {
    const noise = randomBytes(30_000).toString("base64");
    const large = JSON.stringify(Array.from({ length: 4000 }, (_, i) => ({ id: `p${i}`, n: i * 7919 })));
    for (const text of ["x".repeat(1025), noise, large]) {
      const bytes = Buffer.byteLength(text);
      // The length an upstream said, none, and a wrong one: only the buffers' sizes depend on it.
      for (const told of [bytes, undefined, 10]) {
        for (const coding of ["br", "gzip"] as const) {
          const zip = compressStream(coding, Readable.from([text.slice(0, 500), text.slice(500)]), told);
          const pieces: Buffer[] = [];
          for await (const piece of zip) pieces.push(piece as Buffer);
          const out = Buffer.concat(pieces);
          expect((coding === "br" ? brotliDecompressSync(out) : gunzipSync(out)).toString()).toBe(text);
        }
      }
    }
  });

  it("compresses a stream and lets each piece out as it comes", async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const source = Readable.from(
      (async function* () {
        yield "first;";
        await gate;
        yield "second";
      })(),
    );
    const zip = compressStream("gzip", source);
    const pieces: Buffer[] = [];
    zip.on("data", (piece: Buffer) => pieces.push(piece));
    // The first piece is decodable before the source has ended.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gunzipSync(Buffer.concat(pieces), { finishFlush: 2 }).toString()).toBe("first;");
    release();
    await new Promise((resolve) => zip.once("end", resolve));
    expect(gunzipSync(Buffer.concat(pieces)).toString()).toBe("first;second");
  });
});
