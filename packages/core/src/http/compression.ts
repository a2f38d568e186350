import type { Readable, Transform } from "node:stream";
import {
  type BrotliOptions,
  brotliCompressSync,
  constants,
  createBrotliCompress,
  createGzip,
  gzipSync,
} from "node:zlib";

/** A content coding the edge can send. */
export type Coding = "br" | "gzip";

/** Bodies of this many bytes or fewer are sent as they are (contract 2.8). */
export const COMPRESS_MIN_BYTES = 1024;

/**
 * Brotli quality 5 and gzip level 6: measured on the BFFs' own answers
 * (1.5 and 3.9 KB of JSON), quality 5 makes 5-6 % smaller bodies than 4 for
 * about the same CPU (30-45 µs), and 6 and above add nothing at these
 * sizes; gzip's default level 6 costs 20-27 µs, and levels 1-4 save little
 * CPU for bigger bodies (docs/performance.md, "Compression").
 */
const BROTLI_QUALITY = 5;
const GZIP_LEVEL = 6;

function brotliOptions(sizeHint: number): BrotliOptions {
  return {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      ...(sizeHint > 0 ? { [constants.BROTLI_PARAM_SIZE_HINT]: sizeHint } : {}),
    },
  };
}

/**
 * The output buffer's size for a body of `bytes`: node allocates one of
 * `chunkSize` (16 KiB by default) per call, and JSON of a few KB comes out
 * at a third of its size or less; a bigger answer just takes more chunks.
 * Measured on a 1.3 KB answer: 29-36 → 24-25 µs for brotli, 28 → 21 for gzip.
 */
function chunkSizeFor(bytes: number): number {
  return Math.min(16_384, Math.max(1024, 2 ** Math.ceil(Math.log2(bytes / 2))));
}

/**
 * gzip's window for a body of `bytes`: one that covers the whole body finds
 * every match the default 32 KiB window would, with less state to set up
 * per call (9 is zlib's smallest, 15 its largest and the default).
 */
function gzipWindowFor(bytes: number): number {
  return Math.min(15, Math.max(9, Math.ceil(Math.log2(bytes))));
}

/** A whole body, compressed (bodies the edge compresses are a few KB: at once is cheaper than a stream). */
export function compressBody(body: string | Buffer, coding: Coding): Buffer {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const chunkSize = chunkSizeFor(bytes.length);
  return coding === "br"
    ? brotliCompressSync(bytes, { ...brotliOptions(bytes.length), chunkSize })
    : gzipSync(bytes, { level: GZIP_LEVEL, chunkSize, windowBits: gzipWindowFor(bytes.length) });
}

/**
 * Stream settings: brotli quality 1 and gzip with a 4 KiB window and the
 * least memory. Each stream sets up its own encoder and runs on zlib's
 * thread pool; measured with 50 relayed answers of 2.5 KB at a time on one
 * core, brotli quality 5 cost about 1,000 µs of CPU per answer (its hash
 * tables are allocated and cleared per stream) and quality 1 about 60, for
 * 270 bytes instead of 180; gzip's defaults about 500-700 µs, its smallest
 * window and memory about 280 for the same size (docs/performance.md).
 */
const BROTLI_STREAM_QUALITY = 1;
const GZIP_STREAM = { level: GZIP_LEVEL, windowBits: 12, memLevel: 4 } as const;

/**
 * A stream's output buffer when the body's length is not known. Each
 * stream mallocs one outside V8's heap; at node's 16 KiB, 50 relayed
 * answers at a time left mobile-bff's malloc heap 10 MB larger for good
 * (fragments glibc keeps), at 4 KiB about 3.
 */
const STREAM_CHUNK_BYTES = 4096;

/**
 * A compressing stream, for a body that arrives in pieces (a pass-through).
 * What the upstream sent is never held back waiting for more: when no
 * further piece follows within the same turn of the event loop, what was
 * written is flushed. A body that arrives at once is simply ended, with no
 * flush of its own (each one is a round trip to zlib's thread pool).
 * `bytes`, the body's length when the upstream said it, sizes the buffers.
 */
export function compressStream(coding: Coding, body: Readable, bytes?: number): Transform {
  const known = bytes !== undefined && Number.isSafeInteger(bytes) && bytes > 0;
  const chunkSize = known ? chunkSizeFor(bytes) : STREAM_CHUNK_BYTES;
  const zip =
    coding === "br"
      ? createBrotliCompress({
          chunkSize,
          params: {
            [constants.BROTLI_PARAM_QUALITY]: BROTLI_STREAM_QUALITY,
            [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
            ...(known ? { [constants.BROTLI_PARAM_SIZE_HINT]: bytes } : {}),
          },
        })
      : createGzip({ ...GZIP_STREAM, chunkSize });
  const kind = coding === "br" ? constants.BROTLI_OPERATION_FLUSH : constants.Z_SYNC_FLUSH;
  body.pipe(zip);
  let pending: NodeJS.Immediate | undefined;
  const flush = () => {
    pending = undefined;
    if (!zip.writableEnded && !zip.destroyed) zip.flush(kind);
  };
  // Added after pipe's own 'data' listener, so a flush follows the pieces written.
  body.on("data", () => {
    pending ??= setImmediate(flush);
  });
  body.once("end", () => {
    if (pending !== undefined) clearImmediate(pending);
    pending = undefined;
  });
  body.once("close", () => {
    if (pending !== undefined) clearImmediate(pending);
  });
  return zip;
}

/** Clients send the same few `Accept-Encoding` values: each is parsed once. */
const chosen = new Map<string, Coding | null>();
const MAX_REMEMBERED = 256;

/**
 * The coding to send for `Accept-Encoding`: the acceptable one with the
 * highest q-value, `br` before `gzip` at equal q; `*` stands for a coding
 * not listed; `q=0` refuses. Undefined: send the body as it is (no header,
 * `identity`, nothing acceptable; never a 406).
 */
export function preferredCoding(acceptEncoding: string | undefined): Coding | undefined {
  if (acceptEncoding === undefined || acceptEncoding === "") return undefined;
  let coding = chosen.get(acceptEncoding);
  if (coding === undefined) {
    coding = parseAcceptEncoding(acceptEncoding) ?? null;
    if (chosen.size >= MAX_REMEMBERED) chosen.clear();
    chosen.set(acceptEncoding, coding);
  }
  return coding ?? undefined;
}

const QVALUE = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/;

function parseAcceptEncoding(header: string): Coding | undefined {
  let br: number | undefined;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const entry of header.split(",")) {
    const [name = "", ...params] = entry.split(";");
    let q = 1;
    let valid = true;
    for (const param of params) {
      const [key = "", value = ""] = param.split("=");
      if (key.trim().toLowerCase() !== "q") continue;
      const text = value.trim();
      // A malformed q-value makes the entry unreadable: it is left out.
      if (!QVALUE.test(text)) valid = false;
      else q = Number(text);
    }
    if (!valid) continue;
    const token = name.trim().toLowerCase();
    if (token === "br") br = Math.max(br ?? 0, q);
    else if (token === "gzip" || token === "x-gzip") gzip = Math.max(gzip ?? 0, q);
    else if (token === "*") any = Math.max(any ?? 0, q);
  }
  const qBr = br ?? any ?? 0;
  const qGzip = gzip ?? any ?? 0;
  if (qBr === 0 && qGzip === 0) return undefined;
  return qBr >= qGzip ? "br" : "gzip";
}
