import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, fingerprintOf } from "./fingerprint.js";

describe("fingerprintOf", () => {
  it("gives the same fingerprint whatever the key order and spacing", () => {
    const a = JSON.parse('{"shippingMethod":"express","items":[{"productId":"p1","quantity":2}]}');
    const b = JSON.parse(`{
      "items" : [ { "quantity": 2, "productId": "p1" } ],
      "shippingMethod" :"express"
    }`);
    expect(fingerprintOf(b)).toBe(fingerprintOf(a));
    expect(fingerprintOf(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("tells apart bodies that are other JSON values", () => {
    const base = fingerprintOf({ shippingMethod: "standard" });
    for (const other of [
      { shippingMethod: "express" },
      { shippingMethod: "standard", note: "" },
      { shippingmethod: "standard" },
      { shippingMethod: ["standard"] },
      {},
      null,
      undefined,
      "standard",
    ]) {
      expect(fingerprintOf(other), JSON.stringify(other)).not.toBe(base);
    }
  });

  it("keeps array order: [1, 2] is not [2, 1]", () => {
    expect(fingerprintOf([1, 2])).not.toBe(fingerprintOf([2, 1]));
  });

  it("gives no body, null and {} three different fingerprints", () => {
    const fingerprints = new Set([fingerprintOf(undefined), fingerprintOf(null), fingerprintOf({})]);
    expect(fingerprints.size).toBe(3);
  });

  it("counts numbers by value once parsed: 1.0, 1 and 1e0 are the same", () => {
    const one = fingerprintOf(JSON.parse('{"quantity":1}'));
    expect(fingerprintOf(JSON.parse('{"quantity":1.0}'))).toBe(one);
    expect(fingerprintOf(JSON.parse('{"quantity":1e0}'))).toBe(one);
    expect(fingerprintOf(JSON.parse('{"quantity":"1"}'))).not.toBe(one);
  });

  it("gives any JSON value the fingerprint of its reordered, respaced copy", () => {
    // The same value written with keys in reverse order and indented.
    const reversed = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reversed);
      if (value === null || typeof value !== "object") return value;
      return Object.fromEntries(
        Object.entries(value)
          .reverse()
          .map(([key, member]) => [key, reversed(member)]),
      );
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const respaced = JSON.parse(JSON.stringify(reversed(value), null, 3));
        expect(fingerprintOf(respaced)).toBe(fingerprintOf(JSON.parse(JSON.stringify(value))));
      }),
    );
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every depth and writes no spacing", () => {
    expect(canonicalJson({ b: [{ d: 1, c: null }], a: "x" })).toBe('{"a":"x","b":[{"c":null,"d":1}]}');
  });

  it("leaves out undefined members as JSON.stringify does", () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson([undefined])).toBe("[null]");
  });

  it("parses back to the same value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const plain = JSON.parse(JSON.stringify(value));
        expect(JSON.parse(canonicalJson(plain))).toEqual(plain);
      }),
    );
  });
});
