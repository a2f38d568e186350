import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors/index.js";
import { isValidId, requireId } from "../http/input.js";
import { encodePath, queryString } from "./transport.js";

const BASE = "http://catalog.internal:7101";

/** Pieces that have changed which path an upstream URL names somewhere, at some time. */
const HOSTILE_PIECES = [
  ".",
  "..",
  "/",
  "\\",
  "%2e",
  "%2E%2E",
  "%2f",
  "%5c",
  "%252e%252e%252f",
  "..%2f",
  "..;/",
  "?",
  "#",
  "&",
  "=",
  "\0",
  "%00",
  "\r\n",
  "%0d%0a",
  "@",
  ":",
  "//evil.example",
  "http://evil.example/",
  "\u2025",
  "\uff0e\uff0e",
  " ",
];

/** Any string, leaning on the pieces above. */
const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc
    .array(fc.oneof(fc.constantFrom(...HOSTILE_PIECES), fc.string({ maxLength: 3 })), { maxLength: 8 })
    .map((parts) => parts.join("")),
);

describe("encodePath (property)", () => {
  it("keeps any value one literal segment under its route, or refuses it with a 400", () => {
    fc.assert(
      fc.property(hostile, (value) => {
        let path: string;
        try {
          path = encodePath`/products/${value}`;
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          expect(["", ".", ".."]).toContain(value);
          return;
        }
        const url = new URL(BASE + path);
        expect(url.origin).toBe(BASE);
        expect(url.search).toBe("");
        expect(url.hash).toBe("");
        // The URL parser changed nothing (no dot segments resolved, no backslash turned into a slash).
        expect(url.pathname).toBe(path);
        const segments = url.pathname.split("/");
        expect(segments).toHaveLength(3);
        expect(segments[1]).toBe("products");
        expect(decodeURIComponent(segments[2] as string)).toBe(value);
      }),
      { numRuns: 2_000 },
    );
  });

  it("leaves a valid id exactly as it is", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), (id) => {
        expect(encodePath`/stock/${id}`).toBe(`/stock/${id}`);
      }),
    );
  });
});

describe("queryString (property)", () => {
  it("round-trips any keys and values, and can never change the path or add a fragment", () => {
    fc.assert(
      fc.property(fc.dictionary(hostile, fc.oneof(hostile, fc.integer()), { maxKeys: 5 }), (query) => {
        const text = queryString(query);
        const url = new URL(`${BASE}/reviews${text}`);
        expect(url.pathname).toBe("/reviews");
        expect(url.hash).toBe("");
        expect([...url.searchParams]).toEqual(Object.entries(query).map(([k, v]) => [k, String(v)]));
      }),
      { numRuns: 1_000 },
    );
  });
});

const REFUSAL = (() => {
  try {
    requireId("../x", "productId");
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("requireId accepted ../x");
})();

describe("isValidId and requireId (property)", () => {
  it("accept exactly the contract's ids and refuse anything else with a 400 that does not echo it", () => {
    const anything = fc.oneof(
      hostile,
      fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/),
      fc.anything(),
      fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    );
    fc.assert(
      fc.property(anything, (value) => {
        const valid = typeof value === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(value);
        expect(isValidId(value)).toBe(valid);
        if (valid) {
          expect(requireId(value, "productId")).toBe(value);
          // A valid id needs no encoding: it reaches the upstream literally.
          expect(encodeURIComponent(value)).toBe(value);
          return;
        }
        let refused: unknown;
        try {
          requireId(value, "productId");
        } catch (error) {
          refused = error;
        }
        expect(refused).toBeInstanceOf(InvalidInputError);
        // The same words whatever the value: nothing of it is echoed.
        expect((refused as Error).message).toBe(REFUSAL);
      }),
      { numRuns: 2_000 },
    );
  });
});
