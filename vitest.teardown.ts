import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * After every test file has run: no process that rollcall's tests started may
 * still be running (implementations under test, the model served over the
 * protocol, the Node runtime's head, drivers and actors, the Ray bridge, the
 * viewer's server and the browser its tests drive).
 * Only processes of this test run count: the setup marks its environment
 * (ROLLCALL_TEST_RUN), which the tests' children inherit, so a rollcall run
 * of the user's beside the tests (a matrix over Ray releases, say) is left
 * alone. Waits a little for exits in flight, then fails the run naming what
 * is left (and stops it, so one failure does not leak into the next run).
 */
const MARKERS = ["dist/cli/main.js serve-model", "dist/cli/main.js web", "lib/chromium/chromium", "dist/runtime/", "adapters/ray/bridge.py", "rollcall-cli-", "redis-server"];

const RUN = `ROLLCALL_TEST_RUN=${process.pid}-${Date.now()}`;

/** True when the process was started by this test run: its environment carries the run's mark. */
function ours(line: string): boolean {
  try {
    return readFileSync(`/proc/${line.split(" ")[0]}/environ`, "latin1").split("\0").includes(RUN);
  } catch {
    return false; // gone, or not ours to read
  }
}

function leftovers(): string[] {
  const out = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return out.split("\n").map((l) => l.trim()).filter((l) => l !== "" && MARKERS.some((m) => l.includes(m)) && !l.includes("vitest") && ours(l));
}

export function setup(): () => Promise<void> {
  process.env["ROLLCALL_TEST_RUN"] = RUN.slice("ROLLCALL_TEST_RUN=".length);
  const before = new Set(leftovers().map((l) => l.split(" ")[0]));
  return async () => {
    let left: string[] = [];
    for (let i = 0; i < 50; i++) {
      left = leftovers().filter((l) => !before.has(l.split(" ")[0]));
      if (left.length === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const l of left) {
      try {
        process.kill(Number(l.split(" ")[0]), "SIGKILL");
      } catch {
        // already gone
      }
    }
    console.error(`processes left running after the tests (now stopped):\n${left.join("\n")}`);
    process.exitCode = 1;
    throw new Error("processes left running after the tests");
  };
}
