import { randomBytes } from "node:crypto";
import http from "node:http";
import { brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { startFakeUpstream } from "@portico/test-support";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { useStack } from "../support/stack.js";
import { decoded, headerLines, single, varyOf, type WireAnswer, wire } from "./support.js";

// Contract 2.8 on the pass-through (mobile GET /reviews): the client's
// Accept-Encoding goes upstream, an encoded upstream body is relayed as it
// is, an identity one is compressed (streamed), Cache-Control and ETag are
// relayed, a strong ETag is weakened when the BFF compressed.

const reviews = await startFakeUpstream();
afterAll(() => reviews.close());

const stack = useStack({
  bffEnv: {
    REVIEWS_URL: reviews.url,
    BREAKER_MIN_REQUESTS: "100000",
    REVIEWS_TIMEOUT_MS: "3000",
    REQUEST_DEADLINE_MS: "6000",
  },
  bffs: {
    mobile: { app: "mobile-bff" },
    mobileOff: { app: "mobile-bff", env: { COMPRESSION: "off" } },
    // Its own instance: a HEAD that kills the process must not take the other tests down with it.
    mobileHead: { app: "mobile-bff" },
    mobileNoBody: { app: "mobile-bff" },
  },
});

beforeEach(() => {
  reviews.requests.length = 0;
});

const PATH = "/reviews?productId=p1";

/** A reviews answer of `count` items: about 110 bytes an item. */
function reviewsJson(count: number): Buffer {
  const items = Array.from({ length: count }, (_, i) => ({
    author: `reviewer-${i}`,
    rating: (i % 5) + 1,
    title: `Review number ${i}`,
    body: `Body of review ${i}, long enough to matter.`,
  }));
  return Buffer.from(JSON.stringify({ productId: "p1", average: 4.2, count, items }));
}

const LARGE = reviewsJson(40);
const SMALL = reviewsJson(3);

/** Answers `body` as is, with Content-Length, and the extra headers. */
function identityUpstream(body: Buffer, headers: Record<string, string> = {}) {
  reviews.handle((_req, res) => {
    res.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "content-length": String(body.length),
      ...headers,
    });
    res.end(body);
  });
}

const upstreamAcceptEncoding = () => reviews.requests.map((seen) => seen.headers["accept-encoding"]);

describe("an upstream that answers encoded", () => {
  const gzipped = gzipSync(LARGE, { level: 9 });
  beforeEach(() => {
    // gzip only when asked for; else as is.
    reviews.handle((req, res) => {
      const wantsGzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
      const body = wantsGzip ? gzipped : LARGE;
      res.writeHead(200, {
        "content-type": "application/json; charset=utf-8",
        "content-length": String(body.length),
        "cache-control": "public, max-age=60",
        etag: '"reviews-p1-v7"',
        vary: "Accept-Encoding",
        ...(wantsGzip ? { "content-encoding": "gzip" } : {}),
      });
      res.end(body);
    });
  });

  it.each([["gzip"], ["br, gzip"], ["gzip;q=0.5, br"]])(
    "is relayed byte for byte with its Content-Encoding (client Accept-Encoding %s)",
    async (acceptEncoding) => {
      const answer = await wire(`${stack.bffs.mobile.url}${PATH}`, {
        headers: { "accept-encoding": acceptEncoding },
      });
      expect(answer.status).toBe(200);
      expect(upstreamAcceptEncoding()).toEqual([acceptEncoding]);
      expect(single(answer, "content-encoding")).toBe("gzip");
      expect(answer.body.equals(gzipped), "the upstream's gzip bytes, as they were").toBe(true);
      expect(gunzipSync(answer.body).equals(LARGE)).toBe(true);
      // The BFF did not compress: the upstream's strong tag stays strong.
      expect(single(answer, "etag")).toBe('"reviews-p1-v7"');
      expect(single(answer, "cache-control")).toBe("public, max-age=60");
      expect(varyOf(answer)).toEqual(["accept-encoding"]);
      const length = answer.headers["content-length"];
      if (length !== undefined) expect(Number(length)).toBe(gzipped.length);
    },
  );

  it("varies on Accept-Encoding even when the upstream did not say so and its encoded bytes are under 1 KB", async () => {
    // The BFF forwarded the client's Accept-Encoding: the answer depends on it, and its body
    // before encoding is over 1 KB, whatever the size of its gzip bytes.
    expect(gzipped.length).toBeLessThanOrEqual(1024);
    expect(LARGE.length).toBeGreaterThan(1024);
    reviews.handle((_req, res) => {
      res.writeHead(200, {
        "content-type": "application/json; charset=utf-8",
        "content-length": String(gzipped.length),
        "content-encoding": "gzip",
      });
      res.end(gzipped);
    });
    const answer = await wire(`${stack.bffs.mobile.url}${PATH}`, { headers: { "accept-encoding": "gzip" } });
    expect(answer.status).toBe(200);
    expect(single(answer, "content-encoding")).toBe("gzip");
    expect(answer.body.equals(gzipped)).toBe(true);
    expect(varyOf(answer)).toContain("accept-encoding");
  });

  it("is relayed as it is with COMPRESSION=off too", async () => {
    const answer = await wire(`${stack.bffs.mobileOff.url}${PATH}`, {
      headers: { "accept-encoding": "gzip" },
    });
    expect(answer.status).toBe(200);
    expect(single(answer, "content-encoding")).toBe("gzip");
    expect(answer.body.equals(gzipped)).toBe(true);
    expect(single(answer, "etag")).toBe('"reviews-p1-v7"');
  });

  it("never asks the upstream for a coding the client did not accept", async () => {
    const answer = await wire(`${stack.bffs.mobile.url}${PATH}`);
    expect(answer.status).toBe(200);
    const seen = upstreamAcceptEncoding()[0];
    expect(seen === undefined || !/gzip|br|\*/.test(seen), `upstream saw Accept-Encoding ${seen}`).toBe(true);
    expect(answer.headers["content-encoding"]).toBeUndefined();
    expect(answer.body.equals(LARGE)).toBe(true);
  });
});

describe("an upstream that answers over 1 KB as is", () => {
  beforeEach(() => {
    identityUpstream(LARGE, { "cache-control": "public, max-age=30", etag: '"reviews-p1-v8"' });
  });

  it.each([
    ["br", "br"],
    ["gzip", "gzip"],
    ["gzip;q=0.9, br;q=0.9", "br"],
    ["br;q=0.5, gzip", "gzip"],
    ["*", "br"],
  ] as const)(
    "is compressed by the BFF for Accept-Encoding %s (%s), its strong ETag made weak",
    async (acceptEncoding, coding) => {
      const answer = await wire(`${stack.bffs.mobile.url}${PATH}`, {
        headers: { "accept-encoding": acceptEncoding },
      });
      expect(answer.status).toBe(200);
      expect(upstreamAcceptEncoding()).toEqual([acceptEncoding]);
      expect(single(answer, "content-encoding")).toBe(coding);
      expect(decoded(answer).equals(LARGE), "decoded body equals the upstream's").toBe(true);
      expect(answer.body.length).toBeLessThan(LARGE.length);
      expect(single(answer, "etag")).toBe('W/"reviews-p1-v8"');
      expect(single(answer, "cache-control")).toBe("public, max-age=30");
      expect(varyOf(answer).filter((value) => value === "accept-encoding")).toHaveLength(1);
      // The upstream's length is the identity body's: it must not go out with the encoded one.
      const length = answer.headers["content-length"];
      if (length !== undefined) expect(Number(length)).toBe(answer.body.length);
    },
  );

  it.each([
    ["no Accept-Encoding", undefined],
    ["identity", "identity"],
    ["gzip;q=0", "gzip;q=0"],
  ])(
    "is sent as is for %s, strong ETag kept, still Vary: Accept-Encoding",
    async (_label, acceptEncoding) => {
      const answer = await wire(`${stack.bffs.mobile.url}${PATH}`, {
        headers: acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers["content-encoding"]).toBeUndefined();
      expect(answer.body.equals(LARGE)).toBe(true);
      expect(single(answer, "etag")).toBe('"reviews-p1-v8"');
      expect(single(answer, "cache-control")).toBe("public, max-age=30");
      expect(varyOf(answer)).toEqual(["accept-encoding"]);
      expect(answer.headers["content-length"]).toBe(String(LARGE.length));
    },
  );

  it("keeps a weak upstream ETag weak once (no W/W/)", async () => {
    identityUpstream(LARGE, { etag: 'W/"reviews-weak"' });
    const answer = await wire(`${stack.bffs.mobile.url}${PATH}`, { headers: { "accept-encoding": "gzip" } });
    expect(single(answer, "content-encoding")).toBe("gzip");
    expect(single(answer, "etag")).toBe('W/"reviews-weak"');
  });

  it("merges the upstream's own Vary with Accept-Encoding, each value once", async () => {
    identityUpstream(LARGE, { vary: "Accept-Language, accept-encoding" });
    const answer = await wire(`${stack.bffs.mobile.url}${PATH}`, { headers: { "accept-encoding": "br" } });
    expect(single(answer, "content-encoding")).toBe("br");
    expect(headerLines(answer, "vary")).toHaveLength(1);
    expect(varyOf(answer).sort()).toEqual(["accept-encoding", "accept-language"]);
  });

  it("is sent as is with COMPRESSION=off: strong ETag, no Vary: Accept-Encoding", async () => {
    const answer = await wire(`${stack.bffs.mobileOff.url}${PATH}`, {
      headers: { "accept-encoding": "br, gzip" },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-encoding"]).toBeUndefined();
    expect(answer.body.equals(LARGE)).toBe(true);
    expect(single(answer, "etag")).toBe('"reviews-p1-v8"');
    expect(varyOf(answer)).not.toContain("accept-encoding");
  });

  it("answers HEAD with no body and no Content-Encoding, and lives on", async () => {
    const bff = stack.bffs.mobileHead;
    const answer = await wire(`${bff.url}${PATH}`, {
      method: "HEAD",
      headers: { "accept-encoding": "br" },
    }).catch((error: unknown) => error);
    // The upstream body a HEAD does not send is dropped, and the process goes on serving.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bff.child.exitCode, `mobile-bff exited after a HEAD:\n${bff.output().slice(-1500)}`).toBeNull();
    expect((await wire(`${bff.url}/healthz`)).status).toBe(200);
    if (answer instanceof Error) throw answer;
    const head = answer as WireAnswer;
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-encoding"]).toBeUndefined();
    expect(single(head, "etag")).toBe('"reviews-p1-v8"');
  });
});

describe("the threshold on a pass-through", () => {
  it("sends a body of 1 KB or less with a Content-Length as it is", async () => {
    expect(SMALL.length).toBeLessThanOrEqual(1024);
    identityUpstream(SMALL, { etag: '"small"' });
    const answer = await wire(`${stack.bffs.mobile.url}${PATH}`, {
      headers: { "accept-encoding": "br, gzip" },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-encoding"]).toBeUndefined();
    expect(answer.body.equals(SMALL)).toBe(true);
    expect(single(answer, "etag")).toBe('"small"');
    expect(varyOf(answer)).not.toContain("accept-encoding");
  });

  it("counts a body without Content-Length as over the threshold: compressed", async () => {
    reviews.handle((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", etag: '"chunked"' });
      res.write(SMALL.subarray(0, 10));
      res.end(SMALL.subarray(10));
    });
    const answer = await wire(`${stack.bffs.mobile.url}${PATH}`, { headers: { "accept-encoding": "gzip" } });
    expect(answer.status).toBe(200);
    expect(single(answer, "content-encoding")).toBe("gzip");
    expect(decoded(answer).equals(SMALL)).toBe(true);
    expect(single(answer, "etag")).toBe('W/"chunked"');
    expect(varyOf(answer)).toContain("accept-encoding");
  });
});

describe("compression of a pass-through is streamed", () => {
  // Incompressible enough that zlib must emit output long before the end.
  const FIRST = Buffer.from(randomBytes(384 * 1024).toString("base64"));
  const LAST = Buffer.from('"}');

  it.each([["gzip"], ["br"]] as const)(
    "the first %s bytes reach the client while the upstream is still sending",
    async (coding) => {
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let upstreamEnded = false;
      reviews.handle(async (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"blob":"');
        res.write(FIRST);
        // Hold the end until the client saw bytes (or give up after 4 s: the test then fails).
        await Promise.race([released, new Promise((resolve) => setTimeout(resolve, 4_000))]);
        upstreamEnded = true;
        res.end(LAST);
      });
      const { status, headers, body, bytesBeforeEnd } = await new Promise<{
        status: number;
        headers: http.IncomingHttpHeaders;
        body: Buffer;
        bytesBeforeEnd: number;
      }>((resolve, reject) => {
        const req = http.get(
          `${stack.bffs.mobile.url}${PATH}`,
          { headers: { "accept-encoding": coding }, agent: false },
          (res) => {
            const chunks: Buffer[] = [];
            let before = 0;
            res.on("data", (chunk: Buffer) => {
              chunks.push(chunk);
              if (!upstreamEnded) before += chunk.length;
              release();
            });
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks),
                bytesBeforeEnd: before,
              }),
            );
            res.on("error", reject);
          },
        );
        req.on("error", reject);
      });
      expect(status).toBe(200);
      expect(headers["content-encoding"]).toBe(coding);
      expect(headers["content-length"]).toBeUndefined();
      expect(bytesBeforeEnd, "compressed bytes sent before the upstream ended").toBeGreaterThan(0);
      const whole = coding === "gzip" ? gunzipSync(body) : brotliDecompressSync(body);
      expect(whole.equals(Buffer.concat([Buffer.from('{"blob":"'), FIRST, LAST]))).toBe(true);
    },
  );
});

describe("answers without a body", () => {
  it("relays an upstream 204 as it is (never compressed), and lives on", async () => {
    reviews.handle((_req, res) => {
      res.writeHead(204, { etag: '"empty"', "cache-control": "max-age=5" });
      res.end();
    });
    const bff = stack.bffs.mobileNoBody;
    const answer = await wire(`${bff.url}${PATH}`, { headers: { "accept-encoding": "gzip" } }).catch(
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      bff.child.exitCode,
      `mobile-bff exited after an upstream 204:\n${bff.output().slice(-1500)}`,
    ).toBeNull();
    expect((await wire(`${bff.url}/healthz`)).status).toBe(200);
    if (answer instanceof Error) throw answer;
    const relayed = answer as WireAnswer;
    expect(relayed.status).toBe(204);
    expect(relayed.body.length).toBe(0);
    expect(relayed.headers["content-encoding"]).toBeUndefined();
    expect(single(relayed, "etag")).toBe('"empty"');
    expect(single(relayed, "cache-control")).toBe("max-age=5");
  });

  it("survives a client that goes away in the middle of a compressed stream", async () => {
    reviews.handle((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(Buffer.from(randomBytes(300 * 1024).toString("base64")));
      // Never ends: the client leaves first.
    });
    const got = await new Promise<number>((resolve, reject) => {
      const req = http.get(
        `${stack.bffs.mobile.url}${PATH}`,
        { headers: { "accept-encoding": "br" }, agent: false },
        (res) => {
          res.once("data", (chunk: Buffer) => {
            req.destroy();
            resolve(chunk.length);
          });
        },
      );
      req.on("error", (error) => (req.destroyed ? undefined : reject(error)));
    });
    expect(got).toBeGreaterThan(0);
    // The upstream call is aborted with the client's request.
    const seen = reviews.requests.at(-1);
    await expect(seen?.closedEarly).resolves.toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stack.bffs.mobile.child.exitCode).toBeNull();
    expect((await wire(`${stack.bffs.mobile.url}/healthz`)).status).toBe(200);
  });
});
