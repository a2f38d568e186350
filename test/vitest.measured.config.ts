import { defineConfig } from "vitest/config";
import { measured } from "./vitest.config.js";

// The measuring tests, alone: one file at a time, after the rest (see vitest.config.ts).
export default defineConfig({
  test: {
    include: measured,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
