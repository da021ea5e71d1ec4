import { describe, expect, it } from "vitest";
import { GCS_LAWS, GCS_MUTANT_NAMES, INIT_LAWS, INIT_MUTANT_NAMES, LAWS, MUTANTS, MUTANT_NAMES, NODE_LAWS, NODE_MUTANT_NAMES, type MutantName } from "../model/index.js";
import { parseScenario } from "../sim/scenario/parse.js";
import { runScenario } from "../sim/scenario/run.js";
import { check, chartEdges, universeSpace } from "./explore.js";
import { orderings, symmetricKey, symmetryCollisionOdds } from "./symmetry.js";
import { collisionOdds } from "../sim/table.js";
import { search } from "../sim/search.js";
import { drainSync } from "../sim/pace.js";
import { eventsToItf } from "./itf.js";
import { checkMutant, checkProfile } from "./mutant.js";
import { DEFAULT_UNIVERSE, NODE_UNIVERSE, type Universe } from "./universe.js";

const small: Universe = { ...DEFAULT_UNIVERSE, namespaces: 1, driverOps: undefined, ops: 1, maxRestarts: 1 };

describe("rollcall check: the reference search", () => {
  it("explores every interleaving of a small universe (counts pinned)", () => {
    const r = check(small);
    expect(r.verdict).toBe("ok");
    expect([r.states, r.transitions, r.depth]).toEqual([1917, 3914, 16]);
  });

  it("the default bounds: ok, every companion reached, every chart transition covered (counts pinned)", () => {
    const r = check(DEFAULT_UNIVERSE);
    expect(r.verdict).toBe("ok");
    expect([r.states, r.transitions, r.depth]).toEqual([97733, 254572, 29]);
    // Every law but the laws of nodes and of failing constructors, which need worker nodes and --init-fails (below).
    const judged = LAWS.filter((l) => !NODE_LAWS.includes(l) && !INIT_LAWS.includes(l) && !GCS_LAWS.includes(l));
    expect(Object.keys(r.companions).sort()).toEqual(judged.map((l) => l.name).sort());
    for (const law of judged) expect(r.companions[law.name], law.name).not.toBeNull();
    expect(Object.keys(r.coverage)).toEqual(chartEdges());
    expect(Object.entries(r.coverage).filter(([, hit]) => !hit)).toEqual([]);
  });

  it("a states bound stops the search with verdict incomplete", () => {
    const r = check(DEFAULT_UNIVERSE, { maxStates: 500 });
    expect(r.verdict).toBe("incomplete");
    expect(r.bound).toBe("states");
    expect(r.states).toBe(500);
  });

  it("finds Ray 2.49's double release of a name (issue #57690) and writes it as a ray scenario that fails under ray-2.49", () => {
    const m = checkProfile({ ...DEFAULT_UNIVERSE, profile: "ray-2.49", faults: false, drivers: 1, driverOps: undefined, ops: 4, namespaces: 1 });
    expect(m.result.verdict).toBe("violation");
    expect(m.result.violation?.law).toBe("name-uniqueness");
    expect(m.scenario).not.toBeNull();
    const loaded = parseScenario("cx.json", JSON.stringify(m.scenario!.scenario));
    expect(runScenario(loaded).passed).toBe(true);
    expect(runScenario(loaded, { profile: "ray-2.49" }).passed).toBe(false);
  });
});

/**
 * A seeded bug found in `universe` with its pinned shortest length, written as a version-2 scenario
 * that passes on the model and fails on the bug, and not there to find in the small universe.
 */
function expectVersion2Finding(universe: Universe, mutant: MutantName, shortest: number | undefined): void {
  const m = checkMutant(universe, mutant);
  expect(m.result.verdict).toBe("violation");
  expect(m.result.violation?.law).toBe(MUTANTS[mutant].law);
  expect(m.shortest).toBe(shortest);
  expect(m.scenario, "a scenario was written").not.toBeNull();
  expect(m.scenario!.scenario.version).toBe(2);
  if (universe.gcs === true) expect(m.scenario!.scenario.gcsStorage).toBe("redis");
  const loaded = parseScenario(`${mutant}.json`, JSON.stringify(m.scenario!.scenario));
  expect(runScenario(loaded).passed, "passes on the model").toBe(true);
  expect(runScenario(loaded, { mutant }).passed, "fails on the bug").toBe(false);
  expect(checkMutant(small, mutant).result.verdict).toBe("ok");
}

// The seeded bugs of nodes, found in the node universe (rollcall check --nodes 2), with their shortest lengths.
const NODE_SHORTEST: Partial<Record<MutantName, number>> = {
  "owner-node-one-child": 6,
  "detached-killed-with-creator": 6,
  "preemption-restart-counted": 7,
};
// The mutants a safety law catches under the default bounds (the others break a liveness law: checker/liveness.test.ts).
const SAFETY_MUTANTS = MUTANT_NAMES.filter((m) => LAWS.some((law) => law.name === MUTANTS[m].law) && !NODE_MUTANT_NAMES.includes(m) && !INIT_MUTANT_NAMES.includes(m) && !GCS_MUTANT_NAMES.includes(m));

// The length (model events) of each mutant's shortest counterexample under the default bounds.
const SHORTEST: Partial<Record<MutantName, number>> = {
  "kill-keeps-name": 5,
  "restart-frees-name": 6,
  "get-or-create-new-args": 4,
  "detached-die-with-job": 6,
  "owned-outlive-owner": 6,
  "lookup-any-namespace": 5,
  "handle-follows-name": 12,
  "double-release": 11,
  "get-or-create-not-found": 6,
  "list-shows-dead": 7,
};

describe("seeded bugs: the checker finds each, and writes a scenario that passes on the model and fails on the bug", () => {
  it("there are at least 10, each pinned here", () => {
    expect(MUTANT_NAMES.length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(SHORTEST).sort()).toEqual([...SAFETY_MUTANTS].sort());
  });
  for (const mutant of SAFETY_MUTANTS) {
    it(`${mutant}: ${MUTANTS[mutant].summary}`, () => {
      const m = checkMutant(DEFAULT_UNIVERSE, mutant);
      expect(m.result.verdict).toBe("violation");
      expect(m.result.violation?.law).toBe(MUTANTS[mutant].law);
      expect(m.shortest).toBe(SHORTEST[mutant]);
      expect(m.scenario, "a scenario was written").not.toBeNull();
      const loaded = parseScenario(`${mutant}.json`, JSON.stringify(m.scenario!.scenario));
      expect(runScenario(loaded).passed, "passes on the model").toBe(true);
      const onBug = runScenario(loaded, { mutant });
      expect(onBug.passed, "fails on the bug").toBe(false);
      expect(onBug.incomplete).toBeUndefined();
    });
  }
});

describe("nodes (rollcall check --nodes 2): node faults, the node laws, the node bugs", () => {
  it("the node universe: ok, every node law's companion reached, every chart transition covered (counts pinned)", () => {
    const r = check(NODE_UNIVERSE);
    expect(r.verdict).toBe("ok");
    expect([r.states, r.transitions, r.depth]).toEqual([340092, 775262, 21]);
    for (const law of ["node-orphans-destroyed", "detached-survive-other-node", "preemption-restart-free"]) expect(r.companions[law], law).not.toBeNull();
    expect(Object.entries(r.coverage).filter(([, hit]) => !hit)).toEqual([]);
  }, 120_000);

  it("without nodes the node laws are not judged (nothing to reach); with nodes every law is (but those of failing constructors)", () => {
    expect(Object.keys(check(small).companions)).not.toContain("node-orphans-destroyed");
    expect(Object.keys(check({ ...small, nodes: 1, drivers: 1, ops: 1, driverOps: undefined }).companions).sort()).toEqual(LAWS.filter((l) => !INIT_LAWS.includes(l) && !GCS_LAWS.includes(l)).map((l) => l.name).sort());
  });

  it("every node bug is pinned here", () => expect(Object.keys(NODE_SHORTEST).sort()).toEqual([...NODE_MUTANT_NAMES].sort()));
  for (const mutant of NODE_MUTANT_NAMES) {
    it(`${mutant}: found with a version-2 scenario that passes on the model and fails on the bug`, () => {
      // Without nodes the bug is not there to find.
      expectVersion2Finding(NODE_UNIVERSE, mutant, NODE_SHORTEST[mutant]);
    }, 120_000);
  }

  it("the profile ray-2.49 counts preemption restarts: preemption-restart-free does not apply to it", () => {
    const r = check({ ...NODE_UNIVERSE, profile: "ray-2.49", faults: true }, { maxStates: 50_000 });
    expect(r.violation?.law).not.toBe("preemption-restart-free");
    expect(r.companions["preemption-restart-free"]).toBeNull();
  });
});

describe("failing constructors (rollcall check --init-fails): their law and their bug", () => {
  const INIT_UNIVERSE: Universe = { ...DEFAULT_UNIVERSE, initFails: true };
  it("the default bounds with constructors that raise or exit: ok, every law's companion reached (counts pinned)", () => {
    const r = check(INIT_UNIVERSE);
    expect(r.verdict).toBe("ok");
    expect([r.states, r.transitions, r.depth]).toEqual([356680, 945852, 29]);
    const judged = LAWS.filter((l) => !NODE_LAWS.includes(l) && !GCS_LAWS.includes(l));
    expect(Object.keys(r.companions).sort()).toEqual(judged.map((l) => l.name).sort());
    for (const law of judged) expect(r.companions[law.name], law.name).not.toBeNull();
    expect(Object.entries(r.coverage).filter(([, hit]) => !hit)).toEqual([]);
  }, 120_000);

  it("every bug of failing constructors is found in 5 events, with a version-2 scenario that passes on the model and fails on the bug, and not without --init-fails", () => {
    expect(INIT_MUTANT_NAMES).toEqual(["init-error-alive"]);
    for (const mutant of INIT_MUTANT_NAMES) expectVersion2Finding(INIT_UNIVERSE, mutant, 5);
  }, 120_000);
});

describe("GCS restarts (rollcall check --gcs): their laws and their bugs", () => {
  const GCS_UNIVERSE: Universe = { ...DEFAULT_UNIVERSE, gcs: true };
  it("the default bounds with a GCS (tables in Redis) that may stop once and start again: ok, every law's companion reached, the eventually laws held (counts pinned)", () => {
    const r = check(GCS_UNIVERSE);
    expect(r.verdict).toBe("ok");
    expect([r.states, r.transitions, r.depth]).toEqual([627476, 1486656, 31]);
    const judged = LAWS.filter((l) => !NODE_LAWS.includes(l) && !INIT_LAWS.includes(l));
    expect(Object.keys(r.companions).sort()).toEqual(judged.map((l) => l.name).sort());
    for (const law of judged) expect(r.companions[law.name], law.name).not.toBeNull();
  }, 120_000);

  const GCS_SHORTEST: Partial<Record<MutantName, number>> = { "gcs-restart-unkillable": 9, "gcs-reload-forgets-children": 8 };
  it("every bug of GCS restarts is pinned here", () => expect(Object.keys(GCS_SHORTEST).sort()).toEqual([...GCS_MUTANT_NAMES].sort()));
  for (const mutant of GCS_MUTANT_NAMES) {
    it(`${mutant}: found with a version-2 scenario (gcsStorage redis) that passes on the model and fails on the bug, and not without --gcs`, () => {
      expectVersion2Finding(GCS_UNIVERSE, mutant, GCS_SHORTEST[mutant]);
    }, 120_000);
  }

  it("with symmetry, a state with the GCS stopped is not merged with the same state with it running: every bug of GCS restarts is still found", () => {
    for (const mutant of GCS_MUTANT_NAMES) {
      const r = check({ ...GCS_UNIVERSE, mutant }, { symmetry: true });
      expect(r.verdict, mutant).toBe("violation");
      expect(r.violation?.law, mutant).toBe(MUTANTS[mutant].law);
    }
    // Fewer states than without symmetry, more than symmetry without the GCS (whose states it would otherwise collapse to).
    const { driverOps: _, ...rest } = GCS_UNIVERSE;
    const reduced = check({ ...rest, ops: 1 }, { symmetry: true });
    expect(reduced.verdict).toBe("ok");
    expect(reduced.states).toBe(7699);
  }, 240_000);
});

describe("symmetry reduction", () => {
  it("the same verdict, companions and coverage with fewer states, on the default bounds (counts pinned)", () => {
    const full = check(DEFAULT_UNIVERSE);
    const reduced = check(DEFAULT_UNIVERSE, { symmetry: true });
    expect(reduced.verdict).toBe(full.verdict);
    expect(reduced.states).toBe(29476);
    expect(reduced.states).toBeLessThan(full.states);
    expect(reduced.depth).toBe(full.depth);
    expect(reduced.companions).toEqual(full.companions);
    expect(reduced.coverage).toEqual(full.coverage);
  });

  for (const mutant of ["double-release", "get-or-create-not-found", "lookup-any-namespace"] as MutantName[]) {
    it(`finds ${mutant} at the same shortest length`, () => {
      const full = check({ ...DEFAULT_UNIVERSE, mutant });
      const reduced = check({ ...DEFAULT_UNIVERSE, mutant }, { symmetry: true });
      expect(reduced.verdict).toBe("violation");
      expect(reduced.violation?.law).toBe(full.violation?.law);
      expect(reduced.violation?.trace.length).toBe(full.violation?.trace.length);
      expect(reduced.states).toBeLessThan(full.states);
    });
  }
});

describe("symmetry's key: orderings sorted by signature", () => {
  it("tries every order of items with equal signatures and one order of the rest", () => {
    const sig = (x: string): string => ({ a: "1", b: "0", c: "1", d: "2" })[x]!;
    expect(orderings(["a", "b", "c", "d"], sig)).toEqual([["b", "a", "c", "d"], ["b", "c", "a", "d"]]);
    expect(orderings(["x", "y", "z"], () => "")).toHaveLength(6);
    expect(orderings([], () => "")).toEqual([[]]);
  });

  it("counts the keys of the nodes met in the visited set's bytes", () => {
    // One driver, one namespace, one name: only actors to renumber, so about the same states with and without the key.
    const u: Universe = { ...DEFAULT_UNIVERSE, drivers: 1, namespaces: 1, driverOps: undefined, ops: 2 };
    const plain = check(u);
    const keyed = check(u, { symmetry: true });
    expect(keyed.states).toBeGreaterThan(plain.states * 0.9);
    expect(keyed.states).toBeLessThanOrEqual(plain.states);
    // At least a fingerprint (8 bytes) and a key (8 bytes) for each node met, of which there are at least the states.
    expect(keyed.tableBytes! - plain.tableBytes!).toBeGreaterThanOrEqual(16 * keyed.states);
  });

  it("keeps exactly the classes the key over every permutation keeps: three drivers, one operation each (26,878 states)", () => {
    const u: Universe = { ...DEFAULT_UNIVERSE, drivers: 3, driverOps: undefined, ops: 1 };
    const sorted = check(u, { symmetry: true });
    const space = universeSpace(u, true);
    const all = drainSync(search({ ...space, stateKey: symmetricKey(u, true) }, { pureJudge: { evaluators: [], act: () => null } }));
    expect(sorted.verdict).toBe("ok");
    expect(all.verdict).toBe("ok");
    expect(sorted.states).toBe(26878);
    expect(all.states).toBe(sorted.states);
    expect(all.transitions).toBe(sorted.transitions);
    // A key is the smallest of up to 3! x 2! hashes, and the nodes met are told apart by their own fingerprints first: the odds say so.
    expect(sorted.collisionOdds).toBe(symmetryCollisionOdds(u, sorted.states, sorted.transitions));
    expect(sorted.collisionOdds).toBeCloseTo(collisionOdds(26878) * 6 + collisionOdds(sorted.transitions + 1), 25);
    expect(sorted.collisionOdds).toBeGreaterThan(collisionOdds(sorted.states) * 6);
  }, 120_000);
});

describe("ITF export", () => {
  it("writes the initial state and one state per event, with the action taken and integers as bigints", () => {
    const events = [{ type: "init", namespace: "ns1" }, { type: "create", caller: "j1", cls: "Counter", name: "a" }, { type: "continue", caller: "j1" }] as const;
    const itf = eventsToItf("ray", undefined, events, {});
    expect(itf["#meta"].format).toBe("ITF");
    expect(itf.states.length).toBe(4);
    expect(itf.states.map((s) => s["mbt::actionTaken"])).toEqual(["init", "init", "create", "continue"]);
    expect(itf.states.map((s) => (s["#meta"] as { index: number }).index)).toEqual([0, 1, 2, 3]);
    expect(itf.states[3]!.counters).toEqual({ job: { "#bigint": "1" }, actor: { "#bigint": "1" } });
    expect(itf.states[3]!.names).toEqual({ "#map": [["ns1", { "#map": [["a", "a1"]] }]] });
    for (const s of itf.states) for (const v of itf.vars) expect(s[v], v).toBeDefined();
  });
});
