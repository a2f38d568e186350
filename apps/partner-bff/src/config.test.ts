import { ConfigError, loadGatewayConfig } from "@portico/core";
import { describe, expect, it } from "vitest";
import { DEFAULT_PARTNER_KEYS, loadPartnerConfig, parsePartnerKeys } from "./config.js";

const base = loadGatewayConfig({}, { defaultPort: 8083 });

/** The ConfigError's one-line message for a PARTNER_KEYS value. */
function failure(value: string): string {
  try {
    parsePartnerKeys(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe("PARTNER_KEYS");
    return (error as Error).message;
  }
  throw new Error(`accepted ${value}`);
}

const entry = (fields: Record<string, unknown>) =>
  JSON.stringify([{ key: "a-long-enough-secret", name: "acme", ratePerMinute: 600, ...fields }]);

describe("PARTNER_KEYS", () => {
  it("parses keys, names and quotas", () => {
    const text = JSON.stringify([
      { key: "acme-0123456789abcdef", name: "acme", ratePerMinute: 600 },
      { key: "globex-0123456789abcd", name: "globex", ratePerMinute: 60 },
    ]);
    expect(parsePartnerKeys(text)).toEqual([
      { key: "acme-0123456789abcdef", name: "acme", ratePerMinute: 600 },
      { key: "globex-0123456789abcd", name: "globex", ratePerMinute: 60 },
    ]);
  });

  it("defaults to the one demo key with 600 requests a minute", () => {
    const config = loadPartnerConfig({}, base);
    expect(config.partnerKeys).toEqual([{ key: "demo-partner-key", name: "demo", ratePerMinute: 600 }]);
    expect(config.partnerKeys).toEqual(JSON.parse(DEFAULT_PARTNER_KEYS));
    expect(loadPartnerConfig({ PARTNER_KEYS: "  " }, base).partnerKeys).toHaveLength(1);
    expect(config.rateWindowMs).toBe(60_000);
    expect(config.port).toBe(8083);
  });

  it("reads PARTNER_KEYS and PARTNER_RATE_WINDOW_MS from the environment", () => {
    const config = loadPartnerConfig({ PARTNER_KEYS: entry({}), PARTNER_RATE_WINDOW_MS: "1500" }, base);
    expect(config.partnerKeys.map((k) => k.name)).toEqual(["acme"]);
    expect(config.rateWindowMs).toBe(1500);
    expect(() => loadPartnerConfig({ PARTNER_RATE_WINDOW_MS: "soon" }, base)).toThrow(
      /PARTNER_RATE_WINDOW_MS/,
    );
  });

  it.each([
    ["not JSON", "[{key:", /PARTNER_KEYS is not valid JSON/],
    ["not an array", '{"key":"x"}', /PARTNER_KEYS must be a JSON array of keys/],
    ["an empty array", "[]", /PARTNER_KEYS must list at least one key/],
    ["an entry that is not an object", '["abc"]', /PARTNER_KEYS entry 0 must be an object/],
    ["a missing key", JSON.stringify([{ name: "acme", ratePerMinute: 1 }]), /entry 0 key is required/],
    ["a short key", entry({ key: "short" }), /entry 0 key must be at least 16 characters/],
    ["a key with spaces", entry({ key: "has spaces in the key" }), /key must be printable ASCII/],
    ["a bad name", entry({ name: "acme corp" }), /entry 0 name must match/],
    ["a quota as text", entry({ ratePerMinute: "600" }), /entry 0 ratePerMinute must be a number/],
    ["a zero quota", entry({ ratePerMinute: 0 }), /ratePerMinute must be at least 1/],
    ["a fractional quota", entry({ ratePerMinute: 1.5 }), /ratePerMinute must be a whole number/],
    ["an unknown field", entry({ rate: 5 }), /entry 0 Unrecognized key: "rate"/],
  ])("stops start-up on %s with one line naming PARTNER_KEYS", (_label, value, message) => {
    const text = failure(value);
    expect(text).toMatch(message);
    expect(text).toMatch(/^Invalid configuration: PARTNER_KEYS /);
    expect(text).not.toContain("\n");
  });

  it("refuses a repeated key or name without printing the key", () => {
    const twice = JSON.stringify([
      { key: "the-same-secret-key", name: "acme", ratePerMinute: 1 },
      { key: "the-same-secret-key", name: "globex", ratePerMinute: 1 },
    ]);
    expect(failure(twice)).toMatch(/entry 1 key repeats a key/);
    expect(failure(twice)).not.toContain("the-same-secret-key");
    const sameName = JSON.stringify([
      { key: "first-secret-key-123", name: "acme", ratePerMinute: 1 },
      { key: "other-secret-key-456", name: "acme", ratePerMinute: 1 },
    ]);
    expect(failure(sameName)).toMatch(/entry 1 name repeats a name/);
  });

  it("never repeats a key in its message", () => {
    expect(failure(entry({ key: "a-secret with a space" }))).not.toContain("a-secret");
    expect(failure(entry({ key: "x".repeat(300) }))).not.toContain("xxxx");
  });
});
