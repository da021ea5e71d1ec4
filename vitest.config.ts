import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["model/**/*.test.ts", "sim/**/*.test.ts", "cli/**/*.test.ts", "adapters/**/*.test.ts", "properties/**/*.test.ts", "checker/**/*.test.ts"],
    testTimeout: 120_000,
  },
});
