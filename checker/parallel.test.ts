import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { MutantName } from "../model/index.js";
import { check, type CheckOptions, type CheckResult } from "./explore.js";
import { checkMutant, mutantSearch } from "./mutant.js";
import { checkParallel, type ParallelTuning } from "./parallel.js";
import { DEFAULT_UNIVERSE, type Universe } from "./universe.js";

// The workers run the built worker (dist/checker/worker.js): `npm test` builds first.

const small: Universe = { ...DEFAULT_UNIVERSE, namespaces: 1, driverOps: undefined, ops: 1, maxRestarts: 1 };
const tiny: Universe = { ...DEFAULT_UNIVERSE, driverOps: [1, 1], ops: 1 };

/** Everything a search reports, paths of a few states included (so indices, parents and moves agree too). */
function summary(r: CheckResult) {
  const some = [1, 2, Math.floor(r.states / 3), Math.floor(r.states / 2), r.states - 1].filter((i) => i > 0 && i < r.states);
  return {
    verdict: r.verdict, bound: r.bound, states: r.states, transitions: r.transitions, depth: r.depth,
    violation: r.violation, passedOver: r.passedOver, companions: r.companions, coverage: r.coverage,
    collisionOdds: r.collisionOdds, paths: some.map((i) => [i, r.path(i)]),
  };
}

async function expectSame(u: Universe, workers: number, options: CheckOptions = {}, tuning: ParallelTuning = {}, sequential?: CheckResult): Promise<CheckResult> {
  const seq = sequential ?? check(u, options);
  const par = await checkParallel(u, workers, options, tuning);
  expect(summary(par)).toEqual(summary(seq));
  return par;
}

describe("checkParallel: workers that share the visited table give check's results", () => {
  for (const symmetry of [false, true]) {
    for (const workers of [1, 2, 3]) {
      it(`a small universe, ${workers} worker${workers > 1 ? "s" : ""}${symmetry ? ", with symmetry" : ""}`, async () => {
        await expectSame(small, workers, { symmetry });
      });
    }
  }

  it("the default bounds, 1 and 2 workers: 97,733 states, 254,572 transitions, every companion, every chart edge", async () => {
    const seq = check(DEFAULT_UNIVERSE);
    expect([seq.states, seq.transitions, seq.verdict]).toEqual([97733, 254572, "ok"]);
    for (const workers of [1, 2]) await expectSame(DEFAULT_UNIVERSE, workers, {}, {}, seq);
  }, 400_000);

  it("the default bounds with symmetry, 2 workers: the same representatives, so the same 29,476 states", async () => {
    const par = await expectSame(DEFAULT_UNIVERSE, 2, { symmetry: true });
    expect(par.states).toBe(29476);
  }, 400_000);

  it("with GCS restarts (--gcs --ops 1): the states handed between workers keep the GCS's storage, stop and restarts, so the same 40,663 states", async () => {
    const { driverOps: _, ...rest } = DEFAULT_UNIVERSE;
    const gcs: Universe = { ...rest, ops: 1, gcs: true };
    const par = await expectSame(gcs, 2);
    expect(par.states).toBe(40663);
  }, 400_000);

  it("a table too small at first: the workers pause while it grows, and nothing changes", async () => {
    for (const workers of [1, 2]) await expectSame(tiny, workers, {}, { tableSlots: 1024, growAhead: false });
  });

  it("the states bound stops at the same state, with the same transitions, companions and coverage", async () => {
    for (const maxStates of [1, 2, 500, 4321]) {
      for (const workers of [1, 2]) {
        const r = await expectSame(tiny, workers, { maxStates });
        expect([r.verdict, r.bound]).toEqual(["incomplete", "states"]);
      }
    }
  });

  it("stops at the time bound and at the memory bound with verdict incomplete", async () => {
    let t = 0;
    const timed = await checkParallel(DEFAULT_UNIVERSE, 2, { maxMillis: 1000, now: () => (t += 300) });
    expect([timed.verdict, timed.bound]).toEqual(["incomplete", "time"]);
    expect(timed.states).toBeLessThan(97733);
    const full = await checkParallel(DEFAULT_UNIVERSE, 2, { maxMemoryMB: 100, memoryMB: () => 101 });
    expect([full.verdict, full.bound]).toEqual(["incomplete", "memory"]);
  });

  for (const mutant of ["get-or-create-not-found", "kill-keeps-name", "double-release"] as MutantName[]) {
    it(`under the seeded bug ${mutant}: the same shortest counterexample, written as the same scenario, with 1 and 2 workers`, async () => {
      const seq = checkMutant(DEFAULT_UNIVERSE, mutant);
      expect(seq.result.verdict).toBe("violation");
      for (const workers of [1, 2]) {
        const s = mutantSearch(DEFAULT_UNIVERSE, mutant);
        const par = s.finish(await checkParallel(s.universe, workers, s.options));
        expect(summary(par.result)).toEqual(summary(seq.result));
        expect(par.shortest).toBe(seq.shortest);
        expect(par.scenario?.scenario).toEqual(seq.scenario?.scenario);
      }
    }, 300_000);
  }

  it("under a seeded bug with symmetry, 2 workers: the same counterexample", async () => {
    await expectSame({ ...DEFAULT_UNIVERSE, mutant: "lookup-any-namespace" }, 2, { symmetry: true });
  });

  it("ends its workers at the end and on an error (here a throwing accept): no message port of theirs is left", async () => {
    const ports = () => process.getActiveResourcesInfo().filter((r) => r === "MessagePort").length;
    const before = ports();
    await checkParallel(small, 2);
    expect(ports()).toBe(before);
    const boom = checkParallel({ ...DEFAULT_UNIVERSE, mutant: "kill-keeps-name" }, 2, { accept: () => { throw new Error("boom"); } });
    await new Promise((r) => setTimeout(r, 100));
    expect(ports()).toBeGreaterThan(before);
    await expect(boom).rejects.toThrow("boom");
    expect(ports()).toBe(before);
  });

  it("refuses what only the sequential search does (liveness's observer, --por's reduction, laws of its own)", async () => {
    await expect(checkParallel(small, 2, { observer: {} })).rejects.toThrow(/sequential search/);
    await expect(checkParallel(small, 2, { reduction: { ample: () => null } })).rejects.toThrow(/sequential search/);
    await expect(checkParallel(small, 2, { laws: [{ name: "mine" } as never] })).rejects.toThrow(/model's own laws/);
  });
});

describe("rollcall check --workers 2 (the built command line)", () => {
  const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));

  it("SIGINT ends the command and its workers within a second (exit 130)", async () => {
    const child = spawn(process.execPath, [CLI, "check", "--workers", "2", "--ops", "2,2", "--quiet"], { stdio: ["ignore", "ignore", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 3000));
    const sent = Date.now();
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(Date.now() - sent).toBeLessThan(1000);
  });
});
