import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The built command line (npm test builds it first), as a user runs it.
const CLI = join(process.cwd(), "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "rollcall-liveness-"));

function rollcall(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("rollcall check: liveness laws", () => {
  it("--mutant restart-never-completes: exit 1, a lasso of an eventually law, written as a scenario and as ITF with loop", () => {
    const out = join(dir, "cx");
    const itf = join(dir, "lasso.itf.json");
    const r = rollcall("check", "--mutant", "restart-never-completes", "--out", out, "--itf", itf, "--json", "--quiet");
    expect(r.code, r.err).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.verdict).toBe("violation");
    const kinds = new Map<string, string>(report.laws.map((l: { name: string; kind: string }) => [l.name, l.kind]));
    expect(kinds.get("name-uniqueness")).toBe("always");
    expect(kinds.get("restart-eventually-ends")).toBe("eventually");
    for (const l of report.laws) if (l.kind === "always") expect(l.verdict === "held" || l.verdict === "vacuous", l.name).toBe(true);
    const v = report.violations[0];
    expect(v).toMatchObject({ law: "restart-eventually-ends", kind: "eventually", length: 6, stem: 6, loop: [] });
    expect(v.trace.length).toBe(6);
    expect(rollcall("run", v.scenario).code).toBe(0);
    expect(rollcall("run", "--mutant", "restart-never-completes", v.scenario).code).toBe(1);
    const trace = JSON.parse(readFileSync(itf, "utf8"));
    expect(trace.loop).toBe(6);
    expect(trace.states.length).toBe(7);
  });

  it("the summary gives each law's kind, and the lasso", () => {
    const r = rollcall("check", "--mutant", "kill-lost-after-restart", "--out", join(dir, "cx2"), "--quiet");
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/name-uniqueness\s+held\s+always/);
    expect(r.out).toMatch(/kill-eventually-processed\s+violated\s+eventually/);
    expect(r.out).toContain("VIOLATION of kill-eventually-processed (eventually): kill:a1:no_restart:j1 is owed after 8 model events");
    expect(r.out).toContain("lasso: 8 model events to the loop, then the run stays there forever");
  });
});
