import { eventually, rawGet } from "@portico/test-support";
import { describe, expect, it } from "vitest";
import { clearFaults, injectFault, serviceStats } from "../support/processes.js";
import {
  BFFS,
  type BffName,
  expectContractAnswer,
  headersOf,
  PARTNER_KEY,
  portOf,
  SPA_ORIGIN,
  useHardeningStack,
} from "./support.js";

const MAX_INFLIGHT = 4;
const CATALOG_DELAY_MS = 1_500;

const stack = useHardeningStack(
  {
    all: {
      MAX_INFLIGHT: String(MAX_INFLIGHT),
      CATALOG_TIMEOUT_MS: "5000",
      REQUEST_DEADLINE_MS: "6000",
    },
  },
  { clearFaults: true },
);

const TARGET: Record<BffName, (id: string) => string> = {
  "mobile-bff": (id) => `/productdetails/${id}`,
  "web-bff": (id) => `/api/product-page/${id}`,
  "partner-bff": (id) => `/v1/products/${id}`,
};
const KEY = { "x-api-key": PARTNER_KEY };

describe.each(BFFS)("load shedding on %s", (bff) => {
  it(`answers a fast 503 with Retry-After beyond MAX_INFLIGHT=${MAX_INFLIGHT}, while /healthz still answers`, async () => {
    const url = stack.bffs[bff].url;
    await injectFault(stack.shop, "catalog", { mode: "delay", ms: CATALOG_DELAY_MS });
    const before = (await serviceStats(stack.shop, "catalog")).inFlight;
    // Distinct ids, so no two requests share one coalesced catalog call.
    const held = Array.from({ length: MAX_INFLIGHT }, (_, i) =>
      fetch(`${url}${TARGET[bff](`p${i + 1}`)}`, { headers: KEY }),
    );
    await eventually(
      async () => (await serviceStats(stack.shop, "catalog")).inFlight >= before + MAX_INFLIGHT,
    );

    const started = performance.now();
    const shed = await rawGet(portOf(stack.bffs[bff]), TARGET[bff]("p9"), { ...KEY, Origin: SPA_ORIGIN });
    expect(performance.now() - started).toBeLessThan(500);
    expectContractAnswer(shed, [503], "shed");
    expect(shed.headers["retry-after"]).toBe("1");
    // The SPA can read it (web-bff allows its origin); the others send no CORS.
    expect(shed.headers["access-control-allow-origin"]).toBe(bff === "web-bff" ? SPA_ORIGIN : undefined);
    expect(JSON.parse(shed.body)).toMatchObject({ code: "OVERLOADED" });

    // Health and metrics paths are never shed (a 404 means that BFF does not serve it yet).
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(headersOf(health)["x-content-type-options"]).toBe("nosniff");
    for (const path of ["/readyz", "/metrics"]) expect((await fetch(`${url}${path}`)).status).not.toBe(503);

    const answers = await Promise.all(held);
    expect(answers.map((answer) => answer.status)).toEqual(Array(MAX_INFLIGHT).fill(200));
    // The slots are given back: the next request is served.
    await clearFaults(stack.shop);
    expectContractAnswer(await rawGet(portOf(stack.bffs[bff]), TARGET[bff]("p9"), KEY), [200], "after");
  });
});
