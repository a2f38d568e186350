import { randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;

/**
 * Cryptographically random bytes taken from a pool refilled 4 KiB at a time.
 * Every request needs fresh ids (request, trace, span), and one
 * `randomBytes` call per id costs a trip into OpenSSL and a new buffer each;
 * node's own `randomUUID` pools its entropy the same way. Ids from the pool
 * are as unpredictable as `randomBytes`: each byte is handed out once.
 */
export class RandomPool {
  readonly #pool = Buffer.allocUnsafe(POOL_BYTES);
  #offset = POOL_BYTES;

  /** `bytes` random bytes as lowercase hex (`2 * bytes` characters). */
  hex(bytes: number): string {
    const start = this.#take(bytes);
    return this.#pool.toString("hex", start, start + bytes);
  }

  /** `bytes` random bytes as unpadded base64url. */
  base64url(bytes: number): string {
    const start = this.#take(bytes);
    return this.#pool.toString("base64url", start, start + bytes);
  }

  #take(bytes: number): number {
    if (bytes > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} random bytes at a time`);
    if (this.#offset + bytes > POOL_BYTES) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const start = this.#offset;
    this.#offset += bytes;
    return start;
  }
}
