import { accessSync, constants } from "node:fs";
import { defineConfig } from "vitest/config";

/** The chromium the browser tests drive (web/e2e/browser.ts reads the same variable). */
const CHROMIUM = process.env.ROLLCALL_CHROMIUM ?? "/usr/bin/chromium";

/** The browser tests need a chromium: without one, say what to install, and stop (exit 1) before any test runs. */
function requireChromium(): void {
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    const given = process.env.ROLLCALL_CHROMIUM !== undefined;
    console.error([
      `npm run test:web: no chromium at ${CHROMIUM}${given ? " (ROLLCALL_CHROMIUM)" : ""}; the viewer's browser tests drive one.`,
      "  On Debian or Ubuntu, install it:  sudo apt-get install -y chromium   (DEBIAN_FRONTEND=noninteractive in a script)",
      "  or point ROLLCALL_CHROMIUM at a chromium or chrome binary:  ROLLCALL_CHROMIUM=/path/to/chromium npm run test:web",
    ].join("\n"));
    process.exit(1);
  }
}
requireChromium();

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
