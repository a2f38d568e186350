import { parse } from "node:querystring";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseQuery } from "./query-string.js";

/** What a parse gives, in order, prototype included. */
const shape = (query: object) => ({ proto: Object.getPrototypeOf(query), entries: Object.entries(query) });

describe("parseQuery", () => {
  it("reads a query exactly as node's querystring.parse does, for any mix of names, values, '=' and '&'", () => {
    const piece = fc.constantFrom(
      "a",
      "b",
      "productId",
      "=",
      "&",
      "p1",
      "__proto__",
      "é",
      " ",
      "%41",
      "+",
      "%",
      ";",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (pieces) => {
        const raw = pieces.join("");
        expect(shape(parseQuery(raw))).toEqual(shape(parse(raw)));
      }),
      { numRuns: 5_000 },
    );
  });

  it("keeps repeated names as arrays, names without '=' as empty, and skips empty pairs", () => {
    const query = parseQuery("a=1&&b&a=2&=x&a=3&");
    expect(Object.getPrototypeOf(query)).toBeNull();
    expect(query).toEqual({ a: ["1", "2", "3"], b: "", "": "x" });
  });

  it("decodes what is encoded, as node does", () => {
    expect(parseQuery("q=a+b%20c&%70roductId=p1")).toEqual({ q: "a b c", productId: "p1" });
    expect(parseQuery("bad=%zz")).toEqual({ bad: "%zz" });
  });

  it("stops where node stops on a query of more than 1,000 pairs", () => {
    const raw = Array.from({ length: 1_200 }, (_, i) => `k${i}=v`).join("&");
    expect(Object.keys(parseQuery(raw))).toHaveLength(1_000);
  });
});
