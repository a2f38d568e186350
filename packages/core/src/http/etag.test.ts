import { describe, expect, it } from "vitest";
import { ifNoneMatchMatches, weakEtagOf, weakened } from "./etag.js";

describe("entity tags", () => {
  it("tags the same content the same, whatever its form, and other content otherwise", () => {
    const tag = weakEtagOf('{"a":1}');
    expect(tag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(weakEtagOf(Buffer.from('{"a":1}'))).toBe(tag);
    expect(weakEtagOf('{"a":2}')).not.toBe(tag);
  });

  it("matches If-None-Match by weak comparison: the tag, a list with it, *, its strong form", () => {
    const tag = 'W/"abc"';
    for (const header of ['W/"abc"', '"abc"', 'W/"x", W/"abc"', '"x",W/"abc"', "*"]) {
      expect(ifNoneMatchMatches(header, tag), header).toBe(true);
    }
    for (const header of [undefined, "", 'W/"abcd"', '"ab"', "abc", 'W/"x"']) {
      expect(ifNoneMatchMatches(header, tag), String(header)).toBe(false);
    }
  });

  it("makes a strong tag weak, and leaves a weak one", () => {
    expect(weakened('"v1"')).toBe('W/"v1"');
    expect(weakened('W/"v1"')).toBe('W/"v1"');
  });
});
