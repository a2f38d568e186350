import { createHash, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import {
  type ClaimResult,
  type IdempotencyStore,
  isKeptStatus,
  type KeptAnswer,
  retryAfterSOf,
  scopedKey,
  ttlMsOf,
} from "./idempotency-store.js";

export interface RedisIdempotencyStoreOptions {
  /** A connection from `createRedisConnection` (fails fast, `REDIS_TIMEOUT_MS`); the store does not close it. */
  client: Redis;
  /** Namespace of the keys, e.g. `portico:idem:`; a key is `<keyPrefix><scope>:<key>`. */
  keyPrefix?: string;
}

/**
 * Each key is one hash: `state` (`pending` or `done`), `token` (while
 * pending), `fingerprint`, `answer` (JSON, once done); its PTTL is the
 * claim's lapse, then the answer's lifetime. Every step is one script, so
 * checking and writing a key is atomic across the fleet.
 */
const CLAIM = `
local held = redis.call('HMGET', KEYS[1], 'state', 'fingerprint', 'answer')
if not held[1] then
  redis.call('HSET', KEYS[1], 'state', 'pending', 'token', ARGV[1], 'fingerprint', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'claimed'}
end
if held[1] == 'pending' then return {'in-progress', redis.call('PTTL', KEYS[1])} end
if held[2] ~= ARGV[2] then return {'mismatch'} end
return {'replay', held[3]}
`;

/** Keeps an answer in place of the claim ARGV[1] holds; 0 when the key is not (any more) that claim's. */
const COMPLETE = `
local held = redis.call('HMGET', KEYS[1], 'state', 'token')
if held[1] ~= 'pending' or held[2] ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'token')
redis.call('HSET', KEYS[1], 'state', 'done', 'answer', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** Deletes the key if it is still the claim ARGV[1] holds. */
const RELEASE = `
local held = redis.call('HMGET', KEYS[1], 'state', 'token')
if held[1] ~= 'pending' or held[2] ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

interface Script {
  readonly text: string;
  readonly sha: string;
}

const script = (text: string): Script => ({ text, sha: createHash("sha1").update(text).digest("hex") });
const SCRIPTS = { claim: script(CLAIM), complete: script(COMPLETE), release: script(RELEASE) };

/**
 * The idempotency store shared by every instance of a BFF (`REDIS_URL`):
 * two instances receiving the same key at once call the upstream once,
 * because a claim is one atomic script. A failing or slow Redis makes each
 * call reject (after at most the connection's command timeout): wrap it in
 * a `DegradingIdempotencyStore` so writes never depend on it.
 *
 * ```ts
 * const store = new RedisIdempotencyStore({ client: redis, keyPrefix: "portico:idem:" });
 * await store.claim("c1", "order-7f3a9c", fingerprintOf(body), 4); // { kind: "claimed", token }
 * ```
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #client: Redis;
  readonly #prefix: string;

  constructor({ client, keyPrefix = "" }: RedisIdempotencyStoreOptions) {
    this.#client = client;
    this.#prefix = keyPrefix;
  }

  async claim(scope: string, key: string, fingerprint: string, ttlS: number): Promise<ClaimResult> {
    const ttlMs = ttlMsOf(ttlS);
    const token = randomUUID();
    const reply = await this.#run(SCRIPTS.claim, this.#key(scope, key), token, fingerprint, ttlMs);
    const [kind, detail] = Array.isArray(reply) ? (reply as unknown[]) : [];
    if (kind === "claimed") return { kind, token };
    if (kind === "mismatch") return { kind };
    if (kind === "in-progress" && typeof detail === "number") {
      // PTTL is -1 only if someone stripped the expiry; a claim then waits a whole ttl.
      return { kind, retryAfterS: retryAfterSOf(detail >= 0 ? detail : ttlMs) };
    }
    if (kind === "replay" && typeof detail === "string") {
      const answer = parseAnswer(detail);
      if (answer !== undefined) return { kind, answer };
    }
    throw new Error(`idempotency store: unexpected reply from Redis for ${this.#key(scope, key)}`);
  }

  async complete(
    scope: string,
    key: string,
    token: string,
    answer: KeptAnswer,
    ttlS: number,
  ): Promise<boolean> {
    const ttlMs = ttlMsOf(ttlS);
    if (!isKeptStatus(answer.status)) {
      await this.release(scope, key, token);
      return false;
    }
    const reply = await this.#run(
      SCRIPTS.complete,
      this.#key(scope, key),
      token,
      JSON.stringify(answer),
      ttlMs,
    );
    return reply === 1;
  }

  async release(scope: string, key: string, token: string): Promise<void> {
    await this.#run(SCRIPTS.release, this.#key(scope, key), token);
  }

  /** The connection is shared: its owner closes it. */
  async close(): Promise<void> {}

  #key(scope: string, key: string): string {
    return this.#prefix + scopedKey(scope, key);
  }

  async #run(script: Script, key: string, ...args: Array<string | number>): Promise<unknown> {
    try {
      return await this.#client.evalsha(script.sha, 1, key, ...args);
    } catch (error) {
      // Redis answers NOSCRIPT until the script is loaded (first use, or after a restart).
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return this.#client.eval(script.text, 1, key, ...args);
    }
  }
}

function parseAnswer(text: string): KeptAnswer | undefined {
  try {
    const answer = JSON.parse(text) as Partial<KeptAnswer> | null;
    if (typeof answer?.status !== "number" || typeof answer.headers !== "object" || answer.headers === null) {
      return undefined;
    }
    return answer as KeptAnswer;
  } catch {
    return undefined;
  }
}
