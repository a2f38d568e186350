import { randomUUID } from "node:crypto";
import { useStack } from "../support/stack.js";
import { bearer } from "../support/tokens.js";
import { describeWrites } from "../support/writes.js";

// Two instances on one Redis, under a prefix of this file's own.
const bffEnv = {
  BREAKER_MIN_REQUESTS: "1000",
  REDIS_URL: "redis://127.0.0.1:6379",
  REDIS_KEY_PREFIX: `test-writes-${randomUUID()}:`,
  // Redis answers within the contract's 50 ms default on a quiet machine; CI's loaded 2 cores may not.
  REDIS_TIMEOUT_MS: "1000",
};
const stack = useStack({
  bffs: { first: { app: "mobile-bff" }, second: { app: "mobile-bff" } },
  bffEnv,
  clearFaults: true,
});

describeWrites(stack, {
  app: "mobile-bff",
  prefix: "",
  cartCountOn: async (url, token) => {
    const response = await fetch(`${url}/productdetails/p1`, { headers: bearer(token) });
    return ((await response.json()) as { cart: { itemCount: number } }).cart.itemCount;
  },
});
