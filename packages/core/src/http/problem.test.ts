import { describe, expect, it } from "vitest";
import { UpstreamNotFoundError, UpstreamStatusError, UpstreamWriteRejectedError } from "../errors/index.js";
import { problemOf } from "./problem.js";

describe("problemOf", () => {
  it("answers a code's own status and title", () => {
    expect(problemOf(new UpstreamStatusError("cart", 503), "/cart/items/p1", "r-1")).toEqual({
      type: "https://portico.dev/problems/upstream-status",
      title: "Bad gateway",
      status: 502,
      detail: "The cart service failed (503)",
      instance: "/cart/items/p1",
      requestId: "r-1",
      code: "UPSTREAM_STATUS",
    });
  });

  it("relays a refused write with the upstream's status and the service's reason in detail", () => {
    const error = new UpstreamWriteRejectedError("orders", 409, { error: "out_of_stock", productId: "p1" });
    expect(problemOf(error, "/orders", "r-2")).toMatchObject({
      type: "https://portico.dev/problems/upstream-write-rejected",
      status: 409,
      detail: "The orders service refused the request: out_of_stock",
      code: "UPSTREAM_WRITE_REJECTED",
    });
    expect(problemOf(new UpstreamWriteRejectedError("cart", 422), "/x", "r").status).toBe(422);
  });

  it("names the reason of a write's 404", () => {
    const error = new UpstreamNotFoundError("cart", { error: "unknown_product" });
    expect(problemOf(error, "/cart/items/nope", "r-3")).toMatchObject({
      status: 404,
      detail: "The cart service has no such resource: unknown_product",
    });
  });
});
