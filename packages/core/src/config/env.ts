import { z } from "zod";
import { ConfigError } from "../errors/index.js";

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads one variable through a zod schema. An absent or empty variable takes
 * `fallback`; a bad one throws a ConfigError naming the variable, so start-up
 * can stop with one clear line.
 */
export function readVar<T>(env: Env, name: string, schema: z.ZodType<T>, fallback: string): T {
  const raw = env[name];
  const value = raw === undefined || raw.trim() === "" ? fallback : raw.trim();
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(name, `${issue?.message ?? "is invalid"} (got ${JSON.stringify(redact(value))})`);
  }
  return parsed.data;
}

/** The start-up line goes to logs: never echo credentials written into a URL (`//user:secret@`). */
function redact(value: string): string {
  // Greedy up to the authority's last "@", in case the secret holds an unencoded one.
  return value.replace(/\/\/[^/\s]*@/g, "//***@");
}

/** Like readVar, but an absent variable stays undefined. */
export function readOptionalVar<T>(env: Env, name: string, schema: z.ZodType<T>): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  return readVar(env, name, schema, raw);
}

const integerText = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/** Schemas for the kinds of value Portico's variables take. */
export const envSchemas = {
  integer: integerText,
  port: integerText(0, 65_535),
  httpUrl: z
    .string()
    .refine((text) => isHttpUrl(text), "must be an http(s) URL")
    .transform((text) => text.replace(/\/+$/, "")),
  httpUrlList: z
    .string()
    .transform((text) =>
      text
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== ""),
    )
    .refine((urls) => urls.length > 0, "must list at least one URL")
    .refine((urls) => urls.every(isHttpUrl), "must be comma-separated http(s) URLs")
    .transform((urls) => urls.map((url) => url.replace(/\/+$/, ""))),
  /** `host:port` addresses (gRPC targets), comma-separated: `127.0.0.1:7204,[::1]:7204`. */
  hostPortList: z
    .string()
    .transform((text) =>
      text
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== ""),
    )
    .refine((addresses) => addresses.length > 0, "must list at least one host:port")
    .refine(
      (addresses) => addresses.every(isHostPort),
      "must be comma-separated host:port addresses (no scheme, no path)",
    ),
  list: z.string().transform((text) =>
    text
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== ""),
  ),
  text: z.string().min(1),
};

const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):(\d{1,5})$/;

/** `host:port` with a host name, an IPv4 address or a bracketed IPv6 one, and a port 1-65535. */
export function isHostPort(text: string): boolean {
  const match = HOST_PORT.exec(text);
  if (match === null) return false;
  const port = Number(match[1]);
  return port >= 1 && port <= 65_535;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}
