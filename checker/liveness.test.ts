import { describe, expect, it } from "vitest";
import { canonicalJson, LAWS, LIVENESS_LAWS, MUTANTS, type LivenessLaw, type ModelEvent, type State } from "../model/index.js";
import { eventsToItf, lassoToItf } from "./itf.js";
import { parseScenario } from "../sim/scenario/parse.js";
import { runScenario } from "../sim/scenario/run.js";
import { checkLiveness, lassoMessage, lassoScenario, livenessObserver, type LivenessResult, type MoveKind, type ObservedMove } from "./liveness.js";
import { DEFAULT_UNIVERSE } from "./universe.js";

/*
 * The analysis on small hand-made graphs: states are stand-ins that say what
 * they owe; moves carry events whose kind decides whether they are fair.
 */

interface HandState {
  readonly owe: readonly string[];
  readonly reached?: boolean;
}
type HandMove = readonly [to: number, kind: MoveKind, name: string];

const law: LivenessLaw = {
  kind: "eventually",
  name: "hand",
  sentence: "what is owed is eventually paid",
  owed: (s) => (s as unknown as HandState).owe,
  companion: "something is owed",
  reached: (s) => (s as unknown as HandState).reached ?? (s as unknown as HandState).owe.length > 0,
};

function moveOf([, kind, name]: HandMove): ObservedMove {
  const event = (kind === "internal" ? { type: "actor.created", actor: name } : kind === "continue" ? { type: "continue", caller: name } : kind === "crash" ? { type: "actor.crashed", actor: name } : { type: "list", caller: name }) as ModelEvent;
  return { event, kind, lane: null };
}

/** Feeds the graph to the observer in breadth-first order (the order of the search) and decides the law. */
function analyse(states: readonly HandState[], moves: readonly (readonly HandMove[])[]): LivenessResult {
  const obs = livenessObserver([law]);
  const order: number[] = [0];
  const indexOf = new Map<number, number>([[0, 0]]);
  const parent: [number, number][] = [[-1, -1]];
  obs.state(0, states[0] as unknown as State);
  for (let q = 0; q < order.length; q++) {
    const v = order[q]!;
    moves[v]!.forEach((m, k) => {
      const w = m[0];
      if (!indexOf.has(w)) {
        indexOf.set(w, order.length);
        parent.push([q, k]);
        obs.state(order.length, states[w] as unknown as State);
        order.push(w);
      }
      obs.edge(q, k, indexOf.get(w)!, moveOf(m));
    });
  }
  const path = (i: number): number[] => (i === 0 ? [] : [...path(parent[i]![0]), parent[i]![1]]);
  return obs.finish(path);
}

/** Follows moves (indices into each state's moves) from state 0; returns the states visited. */
function walk(moves: readonly (readonly HandMove[])[], path: readonly number[], from = 0): number[] {
  const out = [from];
  for (const k of path) out.push(moves[out.at(-1)!]![k]![0]);
  return out;
}

describe("liveness analysis on hand-made graphs", () => {
  it("finds a fair cycle that keeps the obligation owed, as a lasso whose loop returns to its start", () => {
    const states = [{ owe: [] }, { owe: ["k"] }, { owe: ["k"] }, { owe: [] }];
    const moves: HandMove[][] = [[[1, "command", "d1"]], [[2, "internal", "x"]], [[1, "internal", "y"], [3, "command", "d1"]], []];
    const r = analyse(states, moves).laws[0]!;
    expect(r.verdict).toBe("violated");
    expect(r.lasso!.instance).toBe("k");
    expect(r.lasso!.stem).toEqual([0]);
    expect(r.lasso!.loop).toEqual([0, 0]);
    const start = walk(moves, r.lasso!.stem).at(-1)!;
    expect(walk(moves, r.lasso!.loop, start)).toEqual([1, 2, 1]);
  });

  it("holds when the cycle is unfair: the paying move is enabled in every state of it and never taken inside", () => {
    const states = [{ owe: [] }, { owe: ["k"] }, { owe: ["k"] }, { owe: [] }];
    const moves: HandMove[][] = [
      [[1, "command", "d1"]],
      [[2, "internal", "x"], [3, "internal", "pay"]],
      [[1, "internal", "y"], [3, "internal", "pay"]],
      [],
    ];
    expect(analyse(states, moves).laws[0]!.verdict).toBe("held");
  });

  it("a caller's step in flight is fair too; a driver's new operation is not", () => {
    const states = [{ owe: [] }, { owe: ["k"] }, { owe: ["k"] }, { owe: [] }];
    const cycle = (pay: MoveKind): HandMove[][] => [[[1, "command", "d1"]], [[2, "internal", "x"], [3, pay, "j1"]], [[1, "internal", "y"], [3, pay, "j1"]], []];
    expect(analyse(states, cycle("continue")).laws[0]!.verdict).toBe("held");
    expect(analyse(states, cycle("command")).laws[0]!.verdict).toBe("violated");
    expect(analyse(states, cycle("crash")).laws[0]!.verdict).toBe("violated");
  });

  it("finds a stutter: an owing state where no fair move is enabled (only a driver's operation or a crash), loop empty", () => {
    const states = [{ owe: [] }, { owe: [] }, { owe: ["k"] }, { owe: [] }];
    const moves: HandMove[][] = [[[1, "internal", "x"]], [[2, "command", "d1"]], [[3, "command", "d2"], [3, "crash", "a1"]], []];
    const r = analyse(states, moves).laws[0]!;
    expect(r.verdict).toBe("violated");
    expect(r.lasso).toEqual({ instance: "k", stem: [0, 0], loop: [] });
  });

  it("holds when every owing state has a way out that fairness forces (the obligation is discharged)", () => {
    const states = [{ owe: [] }, { owe: ["k"] }, { owe: ["k"] }, { owe: [] }];
    const moves: HandMove[][] = [[[1, "command", "d1"]], [[2, "internal", "x"], [3, "command", "d1"]], [[3, "internal", "pay"]], []];
    const r = analyse(states, moves);
    expect(r.laws[0]!.verdict).toBe("held");
    expect(r.laws[0]!.reachedAtDepth).toBe(1);
    expect(r.graph).toMatchObject({ states: 4, edges: 4, instances: 1 });
  });

  it("weak fairness: a move enabled only in some states of a cycle need not be taken, and the loop passes where it is disabled", () => {
    // 1 <-> 2 and 1 <-> 3 all owe k; pay is enabled in 1 and 2, not in 3, and never taken on a cycle.
    const states = [{ owe: [] }, { owe: ["k"] }, { owe: ["k"] }, { owe: ["k"] }, { owe: [] }];
    const moves: HandMove[][] = [
      [[1, "command", "d1"]],
      [[2, "internal", "x"], [3, "internal", "z"], [4, "internal", "pay"]],
      [[1, "internal", "y"], [4, "internal", "pay"]],
      [[1, "internal", "w"]],
      [],
    ];
    const r = analyse(states, moves).laws[0]!;
    expect(r.verdict).toBe("violated");
    const start = walk(moves, r.lasso!.stem).at(-1)!;
    const visited = walk(moves, r.lasso!.loop, start);
    expect(visited.at(-1)).toBe(start);
    expect(visited).toContain(3);
  });

  it("an instance is its own obligation: a cycle that keeps owing something else does not break it", () => {
    const states = [{ owe: [] }, { owe: ["k", "m"] }, { owe: ["m"] }, { owe: ["m"] }];
    const moves: HandMove[][] = [[[1, "command", "d1"]], [[2, "internal", "pay-k"]], [[3, "internal", "x"]], [[2, "internal", "y"]]];
    const r = analyse(states, moves).laws[0]!;
    expect(r.verdict).toBe("violated");
    expect(r.lasso!.instance).toBe("m");
    const states2 = [{ owe: [] }, { owe: ["k"] }, { owe: [] }, { owe: [] }];
    expect(analyse(states2, moves).laws[0]!.verdict).toBe("held");
  });

  it("a self-loop that keeps the obligation is a fair cycle", () => {
    const states = [{ owe: [] }, { owe: ["k"] }];
    const moves: HandMove[][] = [[[1, "command", "d1"]], [[1, "internal", "again"]]];
    expect(analyse(states, moves).laws[0]!.lasso).toEqual({ instance: "k", stem: [0], loop: [0] });
  });

  it("is vacuous when the companion is never reached", () => {
    const states = [{ owe: [], reached: false }, { owe: [], reached: false }];
    const moves: HandMove[][] = [[[1, "internal", "x"]], []];
    const r = analyse(states, moves).laws[0]!;
    expect(r.verdict).toBe("vacuous");
    expect(r.reachedAtDepth).toBeNull();
  });

  it("keeps the shortest lasso over instances", () => {
    // k is stuck at depth 3, m at depth 1.
    const states = [{ owe: [] }, { owe: ["m"] }, { owe: [] }, { owe: ["k"] }];
    const moves: HandMove[][] = [[[1, "command", "d1"], [2, "command", "d2"]], [], [[3, "command", "d2"]], []];
    expect(analyse(states, moves).laws[0]!.lasso).toEqual({ instance: "m", stem: [0], loop: [] });
  });

  it("keeps the search's move numbers when some move was passed over (not every move is an edge)", () => {
    const obs = livenessObserver([law]);
    obs.state(0, { owe: [] } as unknown as State);
    obs.state(1, { owe: [] } as unknown as State);
    obs.edge(0, 0, 1, moveOf([1, "internal", "x"]));
    obs.state(2, { owe: ["k"] } as unknown as State);
    obs.edge(0, 2, 2, moveOf([2, "command", "d1"])); // move 1 of state 0 was passed over
    obs.edge(1, 0, 2, moveOf([2, "command", "d1"]));
    const paths = [[], [0], [2]];
    const r = obs.finish((i) => paths[i]!);
    expect(r.laws[0]!.lasso).toEqual({ instance: "k", stem: [2], loop: [] });
    // And around a loop: state 1's move 0 was passed over, its move 1 leads to 2, whose move 0 leads back.
    const o2 = livenessObserver([law]);
    o2.state(0, { owe: [] } as unknown as State);
    o2.state(1, { owe: ["k"] } as unknown as State);
    o2.edge(0, 0, 1, moveOf([1, "command", "d1"]));
    o2.state(2, { owe: ["k"] } as unknown as State);
    o2.edge(1, 1, 2, moveOf([2, "internal", "x"]));
    o2.edge(2, 0, 1, moveOf([1, "internal", "y"]));
    expect(o2.finish((i) => [[], [0], [0, 1]][i]!).laws[0]!.lasso).toEqual({ instance: "k", stem: [0], loop: [1, 0] });
  });

  it("refuses states and edges out of the search's order", () => {
    const obs = livenessObserver([law]);
    expect(() => obs.state(1, { owe: [] } as unknown as State)).toThrow(/index order/);
    const o2 = livenessObserver([law]);
    o2.state(0, { owe: [] } as unknown as State);
    o2.state(1, { owe: [] } as unknown as State);
    o2.edge(1, 0, 0, moveOf([0, "internal", "x"]));
    expect(() => o2.edge(0, 0, 1, moveOf([1, "internal", "x"]))).toThrow(/came after/);
  });
});

// Each liveness mutant's shortest lasso under the default bounds: [stem, loop] in model events.
const LASSO = { "kill-lost-after-restart": [8, 0], "restart-never-completes": [6, 0] } as const;

describe("liveness laws on the model", () => {
  it("every liveness law holds on the default bounds, each companion reached", () => {
    const { result: safety, liveness } = checkLiveness(DEFAULT_UNIVERSE);
    expect(safety.verdict).toBe("ok");
    const result = liveness!;
    expect(result.graph.states).toBe(97733);
    expect(result.graph.edges).toBe(254572);
    expect(LIVENESS_LAWS.length).toBeGreaterThanOrEqual(4);
    for (const l of result.laws) {
      expect(l.verdict, l.law).toBe("held");
      expect(l.reachedAtDepth, l.law).not.toBeNull();
    }
  });

  for (const mutant of ["kill-lost-after-restart", "restart-never-completes"] as const) {
    it(`${mutant}: no safety law sees it; ${MUTANTS[mutant].law} catches it as a lasso`, () => {
      // The safety laws alone: ok. The same search with the liveness laws: the mutant's law is violated, as a lasso.
      const { result: safety, liveness, violations } = checkLiveness({ ...DEFAULT_UNIVERSE, mutant }, { laws: LAWS });
      expect(safety.verdict).toBe("ok");
      expect(safety.states).toBeGreaterThan(1000);
      const outcome = liveness!.laws.find((l) => l.law === MUTANTS[mutant].law)!;
      expect(outcome.verdict).toBe("violated");
      expect(liveness!.laws.filter((l) => l.verdict === "violated").map((l) => l.law), "no other liveness law").toEqual([MUTANTS[mutant].law]);
      const lasso = outcome.lasso!;
      const v = violations.find((x) => x.law === MUTANTS[mutant].law)!;
      const { stem, loop } = v;
      expect([stem.length, loop.length]).toEqual(LASSO[mutant]);
      expect(stem.length).toBe(lasso.stem.length);

      // As ITF with loop: the stem's states, the loop index on the state the stem reached, and that state is where the run stays.
      const itf = lassoToItf({ ...DEFAULT_UNIVERSE, mutant }, stem, loop, lassoMessage(lasso));
      expect(itf.loop).toBe(stem.length);
      expect(itf.states.length).toBe(stem.length + Math.max(loop.length, 1));
      const last = eventsToItf("ray", mutant, [...stem, ...loop], {}).states.at(-1)!;
      const strip = (x: object) => canonicalJson(Object.fromEntries(Object.entries(x).filter(([k]) => !k.startsWith("#") && !k.startsWith("mbt::"))));
      expect(strip(itf.states[itf.loop!]!)).toBe(strip(last));
      expect(JSON.parse(JSON.stringify(itf))).toEqual(itf);

      // As a scenario: passes on the model, fails on the bug.
      const written = lassoScenario(DEFAULT_UNIVERSE, { mutant }, outcome, stem);
      expect(written, "a scenario was written").not.toBeNull();
      const loaded = parseScenario(`${mutant}.json`, JSON.stringify(written!.scenario));
      expect(runScenario(loaded).passed, "passes on the model").toBe(true);
      expect(runScenario(loaded, { mutant }).passed, "fails on the bug").toBe(false);
    });
  }
});
