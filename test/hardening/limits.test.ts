import { rawGet, rawRequest } from "@portico/test-support";
import { describe, expect, it } from "vitest";
import { recordedRequests } from "../support/processes.js";
import {
  BFFS,
  type BffName,
  expectContractAnswer,
  PARTNER_KEY,
  portOf,
  useHardeningStack,
} from "./support.js";

/** Shortened for the test (default 10 s): headers must be complete within this. */
const HEADERS_TIMEOUT_MS = 1_000;

const stack = useHardeningStack({ all: { HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) } });

const ROUTE: Record<BffName, string> = {
  "mobile-bff": "/productdetails/p1",
  "web-bff": "/api/product-page/p1",
  "partner-bff": "/v1/products/p1",
};
const KEY = { "X-API-Key": PARTNER_KEY };

describe.each(BFFS)("edge limits on %s", (bff) => {
  const port = () => portOf(stack.bffs[bff]);

  it("answers headers over 16 KiB with 431 problem+json", async () => {
    const answer = await rawGet(port(), ROUTE[bff], { ...KEY, "X-Padding": "h".repeat(17 * 1024) });
    expectContractAnswer(answer, [431], "431");
    expect(answer.body).not.toContain("hhhh");
    // Just under the limit is fine.
    expectContractAnswer(
      await rawGet(port(), ROUTE[bff], { ...KEY, "X-Padding": "h".repeat(15 * 1024) }),
      [200],
    );
  });

  it("answers a URL over 4 KiB with 414 problem+json, however long it is", async () => {
    for (const length of [4_097, 10_000, 40_000]) {
      const target = `${ROUTE[bff]}?pad=${"u".repeat(length)}`;
      const answer = await rawGet(port(), target, KEY);
      expectContractAnswer(answer, [414], `URL of ${target.length} bytes`);
      expect(answer.body).not.toContain("uuuu");
    }
  });

  it("answers a body over 64 KiB with 413 problem+json, declared or chunked, on any route", async () => {
    const declared = await rawRequest(
      port(),
      `GET ${ROUTE[bff]} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${PARTNER_KEY}\r\nContent-Length: 70000\r\n\r\n`,
    );
    expectContractAnswer(declared, [413], "declared 413");
    expect(declared.headers.connection).toBe("close");
    const chunk = "b".repeat(8 * 1024);
    const chunked = Array.from({ length: 10 }, () => `2000\r\n${chunk}\r\n`).join("");
    const streamed = await rawRequest(
      port(),
      `POST ${ROUTE[bff]} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${PARTNER_KEY}\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}0\r\n\r\n`,
    );
    expectContractAnswer(streamed, [413], "chunked 413");
    // A small body on a GET is read (up to the limit) and ignored.
    const small = await rawRequest(
      port(),
      `GET ${ROUTE[bff]} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${PARTNER_KEY}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`,
    );
    expectContractAnswer(small, [200], "small body");
  });

  it("answers more than 32 query parameters with 400 problem+json", async () => {
    const query = (n: number) => Array.from({ length: n }, (_, i) => `x${i}=1`).join("&");
    expectContractAnswer(await rawGet(port(), `${ROUTE[bff]}?${query(33)}`, KEY), [400], "33 params");
    expectContractAnswer(await rawGet(port(), `${ROUTE[bff]}?${query(32)}`, KEY), [200], "32 params");
  });

  it("closes a connection whose headers do not complete in time (slowloris), and keeps serving others", async () => {
    const started = performance.now();
    const [slow, idle] = await Promise.all([
      rawRequest(port(), `GET ${ROUTE[bff]} HTTP/1.1\r\nHost: x\r\n`, {
        waitMs: HEADERS_TIMEOUT_MS * 8,
        trickle: Array.from({ length: 60 }, () => [200, "X-Slow: 1\r\n"] as const),
      }),
      rawRequest(port(), "", { waitMs: HEADERS_TIMEOUT_MS * 8 }),
    ]);
    for (const answer of [slow, idle]) {
      expect(answer.closed).toBe(true);
      expect(answer.status).toBe(0);
      expect(answer.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS * 0.8);
      expect(answer.ms).toBeLessThan(HEADERS_TIMEOUT_MS + 3_000);
    }
    expect(performance.now() - started).toBeLessThan(HEADERS_TIMEOUT_MS + 3_000);
    expectContractAnswer(await rawGet(port(), ROUTE[bff], KEY), [200], "after slowloris");
  });
});

describe("refused input", () => {
  it("never reaches an upstream", async () => {
    const requests = await recordedRequests(stack.shop);
    for (const request of requests) {
      expect(request.path.length + request.query.length).toBeLessThan(200);
      expect(request.query).not.toMatch(/pad=|x\d+=/);
    }
  });
});
