import { describe, expect, it } from "vitest";
import { type RecordedRequest, RequestRecorder } from "./request-recorder.js";

function request(service: RecordedRequest["service"], path: string): RecordedRequest {
  return {
    service,
    method: "GET",
    path,
    query: "",
    requestId: null,
    traceparent: null,
    idempotencyKey: null,
    at: "2026-01-01T00:00:00.000Z",
  };
}

describe("RequestRecorder", () => {
  it("keeps the newest requests per service, oldest first", () => {
    const recorder = new RequestRecorder(2);
    for (const path of ["/a", "/b", "/c"]) recorder.record(request("catalog", path));
    recorder.record(request("pricing", "/x"));
    expect(recorder.list("catalog").map((r) => r.path)).toEqual(["/b", "/c"]);
    expect(recorder.list().map((r) => r.path)).toEqual(["/b", "/c", "/x"]);
  });

  it("clears one service or all", () => {
    const recorder = new RequestRecorder();
    recorder.record(request("catalog", "/a"));
    recorder.record(request("pricing", "/b"));
    recorder.clear("catalog");
    expect(recorder.list().map((r) => r.path)).toEqual(["/b"]);
    recorder.clear();
    expect(recorder.list()).toEqual([]);
  });

  it("resets totals but not what is still in flight", () => {
    const recorder = new RequestRecorder();
    const stats = recorder.stats("orders");
    stats.total = 4;
    stats.inFlight = 2;
    stats.closedByClient = 1;
    recorder.resetStats();
    expect(recorder.snapshot("orders")).toEqual({ inFlight: 2, total: 0, closedByClient: 0 });
  });
});
