import { createHash } from "node:crypto";
import { withIdentity } from "../context.js";
import { UnauthorizedError } from "../errors/index.js";
import type { Exchange } from "../http/exchange.js";
import type { Step } from "../http/route-table.js";

/** One configured API key and the partner it belongs to. */
export interface ApiKeyEntry {
  readonly key: string;
  /** The partner's name: the caller's identity (`{ partner: name }`). */
  readonly name: string;
}

/** Keys are stored and looked up by digest, so the comparison never runs over the secret itself. */
function digestOf(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("base64url");
}

/**
 * The configured API keys, looked up by their SHA-256 digest: a map lookup
 * on a digest tells a timing observer nothing useful about the key, and the
 * keys themselves are not kept.
 *
 * ```ts
 * const keys = new ApiKeys([{ key: "demo-partner-key", name: "demo", ratePerMinute: 600 }]);
 * keys.find(exchange.header("x-api-key"))?.name; // "demo"
 * ```
 */
export class ApiKeys<E extends ApiKeyEntry = ApiKeyEntry> {
  readonly #byDigest = new Map<string, E>();

  constructor(entries: readonly E[]) {
    for (const entry of entries) {
      if (entry.key === "") throw new Error(`The API key of "${entry.name}" is empty`);
      const digest = digestOf(entry.key);
      if (this.#byDigest.has(digest)) throw new Error(`The API key of "${entry.name}" is configured twice`);
      this.#byDigest.set(digest, entry);
    }
  }

  /** The entry whose key was presented, or undefined for a missing or unknown key. */
  find(presented: string | undefined): E | undefined {
    if (presented === undefined || presented === "") return undefined;
    return this.#byDigest.get(digestOf(presented));
  }

  get size(): number {
    return this.#byDigest.size;
  }
}

export interface RequireApiKeyOptions {
  /** The request header carrying the key. Default `X-API-Key`. */
  header?: string;
}

/**
 * Requires a known API key: a missing or unknown key is a 401 problem
 * (with `WWW-Authenticate`); a known one sets the identity `{ partner: name }`.
 * The key is never echoed or logged.
 */
export function requireApiKey(keys: ApiKeys, { header = "X-API-Key" }: RequireApiKeyOptions = {}): Step {
  const name = header.toLowerCase();
  return function requireApiKey(exchange: Exchange): undefined {
    const presented = exchange.header(name);
    const entry = keys.find(presented);
    if (entry === undefined) {
      exchange.headers.push("WWW-Authenticate", `ApiKey header="${header}"`);
      throw new UnauthorizedError(
        presented === undefined || presented === "" ? `Missing ${header} header` : "Unknown API key",
      );
    }
    exchange.ctx = withIdentity(exchange.ctx, { partner: entry.name });
    return undefined;
  };
}
