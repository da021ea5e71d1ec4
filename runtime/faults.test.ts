import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The CLI and the runtime run from the built files (`npm test` builds first).
const MAIN = join(process.cwd(), "dist", "cli", "main.js");

const SCENARIO = {
  title: "create, list, kill, look up",
  profile: "ray",
  steps: [
    { by: "d1", do: "init", namespace: "n" },
    { by: "d1", do: "create", class: "Counter", name: "c", lifetime: "detached", as: "c" },
    { by: "d1", do: "list", expect: { names: ["c"] } },
    { by: "d1", do: "kill", actor: "c" },
    { by: "d1", do: "get", name: "c", expect: { error: "NotFound" } },
  ],
};
const dir = mkdtempSync(join(tmpdir(), "rollcall-faults-"));
const FILE = join(dir, "scenario.json");
writeFileSync(FILE, JSON.stringify(SCENARIO));

/** Pids of the processes whose environment holds `mark` (every process a run started inherits it). */
function processesMarked(mark: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(mark)) out.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** `rollcall run --target node` with a fault of the runtime switched on; its output and what it left running. */
function runWithFault(fault: string) {
  const mark = `ROLLCALL_TEST_MARK=${randomUUID()}`;
  const [key, value] = mark.split("=") as [string, string];
  const r = spawnSync(process.execPath, [MAIN, "run", "--target", "node", "--step-timeout", "3", FILE], {
    env: { ...process.env, ROLLCALL_FAULT: fault, [key]: value },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, left: processesMarked(mark) };
}

describe("the Node runtime misbehaving mid-scenario gets a verdict naming the step, and leaves nothing running", { timeout: 60_000 }, () => {
  it("the head crashes on a kill: died at steps[3], the runtime's last words quoted", () => {
    const r = runWithFault("head-dies-on-kill");
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/died at steps\[3\]: step kill: the implementation exited with status 70; .*the head process died \(SIGKILL\)/);
    expect(r.left).toEqual([]);
  });

  it("the head never answers a kill: timeout at steps[3] after the step deadline", () => {
    const r = runWithFault("head-hangs-on-kill");
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/timeout at steps\[3\]: step kill: no answer to step kill within 3\.0 s/);
    expect(r.left).toEqual([]);
  });

  it("the adapter answers a list with a line that is not JSON: protocol at steps[2]", () => {
    const r = runWithFault("garbage-on-list");
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/protocol at steps\[2\]: step list: the implementation wrote a line that is not JSON: "here are some names"/);
    expect(r.left).toEqual([]);
  });

  it("an unknown fault is refused before the first step, naming the known ones: the target refuses, exit 2", () => {
    const r = runWithFault("no-such-fault");
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/the target node refused hello: Internal: unknown fault ROLLCALL_FAULT=no-such-fault \(known: head-dies-on-kill, head-hangs-on-kill, garbage-on-list\)/);
    expect(r.left).toEqual([]);
  });

  it("without a fault the same scenario passes (so the verdicts above come from the faults)", () => {
    const r = runWithFault("");
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 passed, 0 failed/);
    expect(r.left).toEqual([]);
  });
});
