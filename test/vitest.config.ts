import { defineConfig } from "vitest/config";

/**
 * Tests that measure rates and percentiles under load (issue 18's hedging
 * and adaptive-concurrency measurements). They run in a second pass, one
 * file at a time, once the rest of the suite is done
 * (`vitest.measured.config.ts`): beside two other suites' processes on two
 * cores, the BFF's own event-loop delay counts as upstream latency and the
 * figures measure the machine, not the feature.
 */
export const measured = ["resilience/hedging.test.ts", "resilience/adaptive-goodput.test.ts"];

// End-to-end tests start real processes; give them room on a 2-core machine.
export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", ...measured],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
