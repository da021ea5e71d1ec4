import { defineConfig } from "vitest/config";

/**
 * `npm run test:web`: the viewer's tests, apart from `npm test`. The unit
 * tests of web/ run in Node; the browser tests (web/e2e) start `rollcall web`
 * and drive Debian's chromium with playwright-core, one file at a time.
 */
export default defineConfig({
  test: {
    include: ["web/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    // Fails the run if a test left the viewer's server or the browser running.
    globalSetup: ["./vitest.teardown.ts"],
  },
});
