import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/*
 * Ctrl-C and SIGTERM stop every long command promptly: each command is
 * started on work that would take minutes, interrupted once it is under way,
 * and must exit 130 (SIGINT) or 143 (SIGTERM) soon after, leaving no process
 * of its own behind. The bound is generous for a loaded 2-core machine; the
 * commands yield every 50 ms (sim/pace.ts).
 */

const CLI = join(process.cwd(), "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "rollcall-signals-"));
/** Seconds from the signal to the exit, at most (npm test runs other files beside this one). */
const WITHIN = 3;

/** The processes running in `folder` (every command here runs in this test's own folder, and so do its children). */
function runningIn(folder: string): number[] {
  return readdirSync("/proc").filter((e) => /^\d+$/.test(e)).map(Number).filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/cwd`) === folder;
    } catch {
      return false; // gone, or not ours to read
    }
  });
}

/** Waits up to a second for every process in the folder to be gone, and returns what is left. */
async function leftIn(folder: string): Promise<number[]> {
  for (let i = 0; i < 10; i++) {
    if (runningIn(folder).length === 0) return [];
    await new Promise((r) => setTimeout(r, 100));
  }
  return runningIn(folder);
}

/**
 * Starts rollcall with `args`, waits until its output shows `ready` (the work
 * is under way; null: from the start) and `settle` ms more, sends `signal`, and measures the exit.
 */
function interrupt(args: string[], ready: RegExp | null, signal: "SIGINT" | "SIGTERM", settle = 1000): Promise<{ code: number | null; seconds: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let sentAt = 0;
    let sent = false;
    const check = () => {
      if (!sent && (ready === null || ready.test(out + err))) {
        sent = true;
        setTimeout(() => {
          sentAt = performance.now();
          child.kill(signal);
        }, settle);
      }
    };
    child.stdout.on("data", (d: Buffer) => { out += d.toString(); check(); });
    child.stderr.on("data", (d: Buffer) => { err += d.toString(); check(); });
    const guard = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`never exited; out: ${out}\nerr: ${err}`));
    }, 60_000);
    if (ready === null) check();
    child.on("exit", (code, sig) => {
      clearTimeout(guard);
      if (!sent) reject(new Error(`exited (${code ?? sig}) before the signal; out: ${out}\nerr: ${err}`));
      else resolve({ code, seconds: (performance.now() - sentAt) / 1000, out, err });
    });
  });
}

describe("interrupting long commands", () => {
  it("check --ops 2,2: SIGINT exits 130 at once", async () => {
    const r = await interrupt(["check", "--ops", "2,2"], /rollcall check:/, "SIGINT");
    expect(r.code).toBe(130);
    expect(r.seconds).toBeLessThan(WITHIN);
    expect(await leftIn(dir)).toEqual([]);
  });

  it("check --ops 2,2: SIGTERM exits 143 at once", async () => {
    const r = await interrupt(["check", "--ops", "2,2", "--quiet"], /rollcall check:/, "SIGTERM");
    expect(r.code).toBe(143);
    expect(r.seconds).toBeLessThan(WITHIN);
    expect(await leftIn(dir)).toEqual([]);
  });

  it("simulate --steps 100000000: SIGINT exits 130 at once", async () => {
    const r = await interrupt(["simulate", "--steps", "100000000", "--seed", "1"], /seed 1/, "SIGINT");
    expect(r.code).toBe(130);
    expect(r.seconds).toBeLessThan(WITHIN);
    expect(await leftIn(dir)).toEqual([]);
  });

  it("fuzz --target model --runs 100000: SIGINT exits 130 at once", async () => {
    const r = await interrupt(["fuzz", "--target", "model", "--runs", "100000", "--seed", "1", "--out", join(dir, "fuzz")], /fuzzing model/, "SIGINT");
    expect(r.code).toBe(130);
    expect(r.seconds).toBeLessThan(WITHIN);
    expect(await leftIn(dir)).toEqual([]);
  });

  it("run of a 100,000-step scenario: SIGINT exits 130 at once", async () => {
    // Long enough to be still running when the signal comes (30,000 steps took 1.7 s here: too close to the 1.5 s).
    const steps: unknown[] = [{ by: "d", do: "init", namespace: "n" }];
    for (let i = 0; i < 100_000; i++) steps.push({ by: "d", do: "create", class: "Counter", name: `c${i}`, lifetime: "detached" });
    const f = join(dir, "long.json");
    writeFileSync(f, JSON.stringify({ title: "100,000 creates", profile: "ray", steps }));
    const r = await interrupt(["run", f], null, "SIGINT", 1500);
    expect(r.code).toBe(130);
    expect(r.seconds).toBeLessThan(WITHIN);
    expect(await leftIn(dir)).toEqual([]);
  });

  it("fuzz on a shrinking difference: SIGINT writes the smallest failing program so far", async () => {
    // A target that behaves as the seed profile, fuzzed as ray: a difference at once, then shrinking.
    const out = join(dir, "shrink");
    const target = `cmd:${process.execPath} ${CLI} serve-model --as-profile seed`;
    const r = await interrupt(["fuzz", "--target", target, "--runs", "50", "--seed", "1", "--out", out], /shrinking it/, "SIGINT", 300);
    expect(r.code).toBe(130);
    expect(r.seconds).toBeLessThan(WITHIN);
    if (!/interrupted while shrinking/.test(r.err)) {
      // Shrinking may have finished in the 300 ms: then the shrunk scenario was written normally.
      expect(r.out).toMatch(/difference found/);
      return;
    }
    const written = readdirSync(out).filter((f) => f.endsWith("-interrupted.json"));
    expect(written.length).toBe(1);
    const scenario = JSON.parse(readFileSync(join(out, written[0]!), "utf8")) as { steps: unknown[] };
    expect(scenario.steps.length).toBeGreaterThan(0);
    expect(r.err).toMatch(/replay it: rollcall run --target/);
    expect(await leftIn(dir)).toEqual([]);
  });

  it("run --target node: SIGINT stops the runtime's head, drivers and actors", async () => {
    const r = await interrupt(["run", "--target", "node", join(process.cwd(), "scenarios")], /PASS|FAIL|SKIP/, "SIGINT", 500);
    expect(r.code).toBe(130);
    expect(r.seconds).toBeLessThan(WITHIN);
    // The runtime's head, drivers and actors ran in this folder: none is left.
    expect(await leftIn(dir)).toEqual([]);
  });
});
