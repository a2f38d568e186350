import { ConfigError, type Env, envSchemas, type GatewayConfig, readVar } from "@portico/core";
import { z } from "zod";

/** One partner: its API key, its name (the caller's identity) and its quota. */
export interface PartnerKey {
  readonly key: string;
  readonly name: string;
  /** Requests this key may make per minute; the next is answered 429. */
  readonly ratePerMinute: number;
}

/** The shared gateway configuration plus the partner API's own variables. */
export interface PartnerConfig extends GatewayConfig {
  /** `PARTNER_KEYS`. */
  readonly partnerKeys: readonly PartnerKey[];
  /**
   * `PARTNER_RATE_WINDOW_MS`, default 60 000: the length of a quota window.
   * Quotas are per minute; a shorter window exists for tests only.
   */
  readonly rateWindowMs: number;
}

/** The demo key used when `PARTNER_KEYS` is not set. Not a secret: never run it in production. */
export const DEFAULT_PARTNER_KEYS = '[{"key":"demo-partner-key","name":"demo","ratePerMinute":600}]';

const required = (kind: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? "is required" : `must be a ${kind}`),
});

const partnerKeySchema = z.strictObject(
  {
    key: z
      .string(required("string"))
      .min(16, "must be at least 16 characters")
      .max(256, "must be at most 256 characters")
      .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces"),
    name: z.string(required("string")).regex(/^[A-Za-z0-9._-]{1,64}$/, "must match ^[A-Za-z0-9._-]{1,64}$"),
    ratePerMinute: z
      .number(required("number"))
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(1_000_000, "must be at most 1000000"),
  },
  { error: (issue) => (issue.code === "unrecognized_keys" ? issue.message : "must be an object") },
);

const partnerKeysSchema = z
  .array(partnerKeySchema, { error: "must be a JSON array of keys" })
  .min(1, "must list at least one key")
  .superRefine((entries, ctx) => {
    const seen = { key: new Set<string>(), name: new Set<string>() };
    entries.forEach((entry, i) => {
      // Never name the key itself: this message ends up in the start-up line.
      if (seen.key.has(entry.key))
        ctx.addIssue({ code: "custom", path: [i, "key"], message: "repeats a key" });
      if (seen.name.has(entry.name))
        ctx.addIssue({ code: "custom", path: [i, "name"], message: "repeats a name" });
      seen.key.add(entry.key);
      seen.name.add(entry.name);
    });
  });

/**
 * Parses `PARTNER_KEYS` (JSON: `[{"key":"…","name":"acme","ratePerMinute":600}]`).
 * Throws a ConfigError naming the variable and the faulty entry; the error
 * never repeats the value, which holds secrets.
 */
export function parsePartnerKeys(text: string): PartnerKey[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError("PARTNER_KEYS", "is not valid JSON");
  }
  const parsed = partnerKeysSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      "PARTNER_KEYS",
      `${describeIssue(parsed.error.issues[0])} (expected [{"key":"…","name":"…","ratePerMinute":600}])`,
    );
  }
  return parsed.data;
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return "is invalid";
  const [index, field] = issue.path;
  if (typeof index !== "number") return issue.message;
  return field === undefined
    ? `entry ${index} ${issue.message}`
    : `entry ${index} ${String(field)} ${issue.message}`;
}

/** Adds the partner API's variables to the shared configuration (for `runBff`). */
export function loadPartnerConfig(env: Env, base: GatewayConfig): PartnerConfig {
  const raw = env.PARTNER_KEYS;
  return {
    ...base,
    partnerKeys: parsePartnerKeys(raw === undefined || raw.trim() === "" ? DEFAULT_PARTNER_KEYS : raw),
    rateWindowMs: readVar(env, "PARTNER_RATE_WINDOW_MS", envSchemas.integer(100, 3_600_000), "60000"),
  };
}
