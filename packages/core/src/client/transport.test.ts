import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors/index.js";
import { encodePath, queryString } from "./transport.js";

describe("encodePath", () => {
  it("leaves ordinary ids as they are", () => {
    expect(encodePath`/products/${"p1"}`).toBe("/products/p1");
    expect(encodePath`/carts/${"c_1-2"}/items/${3}`).toBe("/carts/c_1-2/items/3");
  });

  it("keeps an id from adding a path segment", () => {
    expect(encodePath`/products/${"p1/../admin"}`).toBe("/products/p1%2F..%2Fadmin");
    expect(encodePath`/products/${"a\\b"}`).toBe("/products/a%5Cb");
  });

  it("keeps an id from adding a query or a fragment", () => {
    expect(encodePath`/products/${"p1?admin=true"}`).toBe("/products/p1%3Fadmin%3Dtrue");
    expect(encodePath`/products/${"p1#x"}`).toBe("/products/p1%23x");
    expect(encodePath`/products/${"p1&x=1"}`).toBe("/products/p1%26x%3D1");
  });

  it("refuses `.`, `..` and empty ids, which no encoding keeps from walking the path", () => {
    for (const id of [".", "..", ""]) {
      expect(() => encodePath`/products/${id}`).toThrow(InvalidInputError);
    }
    // Why encoding is not enough: URL parsers read %2E%2E as "..".
    expect(new URL("/products/%2E%2E", "http://h").pathname).toBe("/");
    expect(encodePath`/products/${"..."}`).toBe("/products/...");
    expect(encodePath`/products/${"a..b"}`).toBe("/products/a..b");
  });

  it("encodes spaces, control characters and non-ASCII", () => {
    expect(encodePath`/p/${"a b\r\n"}`).toBe("/p/a%20b%0D%0A");
    expect(encodePath`/p/${"é"}`).toBe("/p/%C3%A9");
  });

  it("resolves to a URL on the same service with the id as one segment", () => {
    const url = new URL(encodePath`/products/${"../../evil?x=1"}`, "http://catalog:7101");
    expect(url.host).toBe("catalog:7101");
    expect(url.pathname.split("/")).toHaveLength(3);
    expect(url.search).toBe("");
  });
});

describe("queryString", () => {
  it("encodes each value", () => {
    expect(queryString({ productId: "p1", limit: 3 })).toBe("?productId=p1&limit=3");
    expect(queryString({ ids: "a,b&c=d" })).toBe("?ids=a%2Cb%26c%3Dd");
  });

  it("is empty without parameters", () => {
    expect(queryString(undefined)).toBe("");
    expect(queryString({})).toBe("");
  });
});
