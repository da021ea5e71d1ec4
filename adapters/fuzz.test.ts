import { describe, expect, it } from "vitest";
import { parseScenario } from "../sim/scenario/parse.js";
import { runScenario } from "../sim/scenario/run.js";
import { differenceKind, fuzz } from "./fuzz.js";
import { InProcessModelTarget } from "./model-server.js";
import { runOnTarget } from "./run-target.js";
import { TargetRefusedError, type Target } from "./target.js";
import { DEFAULT_SPACE } from "../sim/programs.js";

describe("the differential fuzzer", () => {
  it("finds no difference between the model and itself", async () => {
    const report = await fuzz({ runs: 300, seed: 5, profile: "ray", maxMoves: 30, target: () => new InProcessModelTarget() });
    expect(report.difference).toBeUndefined();
    expect(report.programs).toBe(300);
    expect(report.steps).toBeGreaterThan(2000);
  });

  it.each([["seed"], ["ray-2.49"]] as const)("finds, shrinks and writes a difference with an implementation that behaves like %s", async (wrong) => {
    let firstKind = "";
    // It claims to implement ray only, so no other profile can explain what it does.
    const target = () => new InProcessModelTarget(wrong, ["ray"]);
    const report = await fuzz({ runs: 500, seed: 1, profile: "ray", maxMoves: 30, target, onFirstDifference: (_, r) => (firstKind = differenceKind(r)) });
    expect(report.difference).toBeDefined();
    // Reduction keeps the kind of difference it started from.
    expect(firstKind).toMatch(/: expected .*, observed /);
    expect(differenceKind(report.difference!.result)).toBe(firstKind);
    const scenario = report.difference!.scenario;
    expect(scenario.steps.length).toBeLessThanOrEqual(8);
    const loaded = parseScenario("found.json", JSON.stringify(scenario));
    // The written scenario passes on the model and fails on the wrong implementation.
    expect(runScenario(loaded).passed).toBe(true);
    const again = await runOnTarget(loaded, new InProcessModelTarget(wrong));
    expect(again.passed).toBe(false);
    expect(again.failure?.path.index).toBe(scenario.steps.length - 1);
  });

  it("notes a difference another Ray profile the target implements explains, and goes on", async () => {
    // Behaves as ray-2.49 and says it implements ray and ray-2.49: a release fuzzed against the newer profile.
    const report = await fuzz({ runs: 200, seed: 1, profile: "ray", maxMoves: 30, target: () => new InProcessModelTarget("ray-2.49", ["ray", "ray-2.49"]) });
    expect(report.difference).toBeUndefined();
    expect(report.programs).toBe(200);
    expect(report.explained).toHaveLength(1);
    const e = report.explained[0]!;
    expect(e.profile).toBe("ray-2.49");
    expect(e.programs).toBeGreaterThan(0);
    expect(report.explainRuns).toBeGreaterThanOrEqual(e.programs);
    // The noted program fails under ray on that implementation (its expectations are ray's) and passes as ray-2.49 says.
    const loaded = parseScenario("explained.json", JSON.stringify(e.scenario));
    const asRay = await runOnTarget(loaded, new InProcessModelTarget("ray-2.49"), "ray");
    expect(asRay.passed).toBe(false);
    // A target that behaves as the seed is not explained by a Ray profile: the difference is found.
    const seed = await fuzz({ runs: 200, seed: 1, profile: "ray", maxMoves: 30, target: () => new InProcessModelTarget("seed", ["ray", "ray-2.49"]) });
    expect(seed.difference).toBeDefined();
  });

  it("stops shrinking at its time bound and keeps the smallest failure found so far", async () => {
    const full = await fuzz({ runs: 500, seed: 1, profile: "ray", maxMoves: 30, target: () => new InProcessModelTarget("seed") });
    const cut = await fuzz({ runs: 500, seed: 1, profile: "ray", maxMoves: 30, target: () => new InProcessModelTarget("seed"), shrinkSeconds: 0 });
    expect(full.shrinkCut).toBe(false);
    expect(cut.shrinkCut).toBe(true);
    // The same first difference, found after the same programs, but (almost) no shrinking.
    expect(cut.programs).toBe(full.programs);
    expect(cut.shrinkRuns).toBeLessThan(full.shrinkRuns);
    const loaded = parseScenario("cut.json", JSON.stringify(cut.difference!.scenario));
    expect(runScenario(loaded).passed).toBe(true);
    expect((await runOnTarget(loaded, new InProcessModelTarget("seed"))).passed).toBe(false);
  });

  it("with nodes (--nodes): programs add, kill and drain nodes and place drivers and actors on them; none differs from the model", async () => {
    const report = await fuzz({ runs: 300, seed: 4, profile: "ray", maxMoves: 30, space: { ...DEFAULT_SPACE, nodes: 3 }, target: () => new InProcessModelTarget() });
    expect(report.difference).toBeUndefined();
    expect(report.programs).toBe(300);
  });

  it("with nodes, every kind of node step comes out, in version-2 files that pass on the model", async () => {
    const fc = (await import("fast-check")).default;
    const { generateScenario } = await import("../sim/generate.js");
    const arb = fc.array(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 10, maxLength: 10 }), { minLength: 1, maxLength: 30, size: "max" });
    const kinds = new Set<string>();
    let versioned = 0;
    for (const moves of fc.sample(arb, { seed: 4, numRuns: 200 })) {
      const scenario = generateScenario(moves, "ray", { ...DEFAULT_SPACE, nodes: 3 });
      if (scenario.version === 2) versioned++;
      for (const step of scenario.steps) {
        if ("do" in step && step.node !== undefined) kinds.add(`${step.do}+node`);
        if ("do" in step) kinds.add(step.do);
      }
      expect(runScenario(parseScenario("n.json", JSON.stringify(scenario))).passed).toBe(true);
    }
    for (const k of ["addNode", "killNode", "drainNode", "deathCause", "placement", "init+node", "create+node"]) expect(kinds, k).toContain(k);
    expect(versioned).toBeGreaterThan(100);
  });

  it("with nodes, a target whose hello lists format 1 only is refused before any program", async () => {
    const formatOne = (): Target => {
      const inner = new InProcessModelTarget();
      return Object.assign(Object.create(inner) as InProcessModelTarget, { hello: async () => ({ ...(await inner.hello()), formats: [1] }) });
    };
    await expect(fuzz({ runs: 5, seed: 1, profile: "ray", maxMoves: 10, space: { ...DEFAULT_SPACE, nodes: 2 }, target: formatOne })).rejects.toBeInstanceOf(TargetRefusedError);
    // Without nodes the same target is fuzzed as before.
    expect((await fuzz({ runs: 5, seed: 1, profile: "ray", maxMoves: 10, target: formatOne })).programs).toBe(5);
  });
});
