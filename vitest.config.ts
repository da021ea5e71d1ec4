import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["model/**/*.test.ts", "sim/**/*.test.ts", "cli/**/*.test.ts", "adapters/**/*.test.ts", "properties/**/*.test.ts", "checker/**/*.test.ts", "runtime/**/*.test.ts"],
    testTimeout: 120_000,
    // Fails the run if a test left an implementation's process behind.
    globalSetup: ["./vitest.teardown.ts"],
  },
});
