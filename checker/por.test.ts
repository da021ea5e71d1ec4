import { describe, expect, it } from "vitest";
import { LAWS, MUTANT_NAMES, NODE_MUTANT_NAMES, canonicalJson, enabledInternalEvents, transition, type Law, type MutantName, type State } from "../model/index.js";
import { check, universeSpace, type CheckOptions } from "./explore.js";
import { checkMutant, checkProfile, mutantSearch, profileSearch } from "./mutant.js";
import { checkReduced, porReduction } from "./por.js";
import { movesOf, replayPath, type Move } from "../sim/search.js";
import { DEFAULT_UNIVERSE, NODE_UNIVERSE, type DriverSlot, type Universe } from "./universe.js";

const SMALL: Universe = { ...DEFAULT_UNIVERSE, driverOps: [1, 1] };

type Pos = readonly DriverSlot[];
interface At { readonly state: State; readonly pos: Pos }

/** One step of the universe's space, as the search core takes it. */
function step(u: Universe, at: At, m: Move): { at: At; law: { before: State; event: Move["event"]; after: State; observations: readonly unknown[]; settled: boolean } } {
  const space = universeSpace(u);
  const t = transition(at.state, m.event);
  const settled = enabledInternalEvents(t.state).length === 0;
  const advanced = space.advance({ before: at.state, pos: at.pos, move: m, after: t.state, observations: t.observations, settled, depth: 0, path: () => [] });
  if (!("pos" in advanced)) throw new Error("the universe's space never fails a step");
  return { at: { state: t.state, pos: advanced.pos }, law: { before: at.state, event: m.event, after: t.state, observations: t.observations, settled } };
}

const keyOf = (u: Universe, at: At): string => canonicalJson(at.state) + universeSpace(u).posKey(at.pos);
const moveKey = (m: Move): string => `${m.lane}:${canonicalJson(m.event)}`;
const OK = ".".repeat(LAWS.length);
const verdicts = (laws: readonly Law[], s: ReturnType<typeof step>["law"]): string =>
  laws.map((l) => (l.check(s as Parameters<Law["check"]>[0]) === null ? "." : "x")).join("");

/** Reachable nodes of a universe (every `every`-th in breadth-first order), with the drivers' positions (by replay). */
function nodes(u: Universe, every: number): At[] {
  const indices: number[] = [];
  // Violations are passed over, so a seeded bug's whole space is there.
  const r = check(u, { accept: () => false, observer: { state: (i) => { if (i % every === 0) indices.push(i); } } });
  const space = universeSpace(u);
  return indices.map((i) => {
    const replay = replayPath(space, r.path(i));
    return { state: replay.states.at(-1)!, pos: replay.positions.at(-1)! };
  });
}

/**
 * The sets' defining property, checked directly: along every path of up to
 * `depth` moves outside the set, each move of the set stays enabled and
 * commutes with each move outside it, to the same state and with every
 * law judging both moves as before (C1 with C2's independence).
 */
function checkPersistent(u: Universe, every: number, depth: number): { reducedStates: number; pairs: number } {
  const red = porReduction(u);
  let reducedStates = 0;
  let pairs = 0;
  for (const root of nodes(u, every)) {
    const moves = movesOf(universeSpace(u), root.state, root.pos);
    const chosen = red.ample(root.state, moves, root.pos);
    if (chosen === null) continue;
    reducedStates++;
    expect(chosen.length).toBeGreaterThan(0); // C0
    const set = chosen.map((i) => moves[i]!);
    const inSet = new Set(set.map(moveKey));
    const visit = (x: At, left: number): void => {
      const here = movesOf(universeSpace(u), x.state, x.pos);
      const enabled = new Set(here.map(moveKey));
      for (const a of set) {
        if (!enabled.has(moveKey(a))) throw new Error(`${moveKey(a)} of the set is no longer enabled after moves outside it`);
        const xa = step(u, x, a);
        for (const m of here) {
          if (inSet.has(moveKey(m))) continue;
          const xm = step(u, x, m);
          const afterA = new Set(movesOf(universeSpace(u), xa.at.state, xa.at.pos).map(moveKey));
          const about = `${moveKey(a)} (in the set) and ${moveKey(m)}`;
          if (!afterA.has(moveKey(m))) throw new Error(`${about}: the set's move disables the other`);
          const am = step(u, xa.at, m);
          const ma = step(u, xm.at, a);
          expect(keyOf(u, am.at), about).toBe(keyOf(u, ma.at));
          // What the argument needs: a move that keeps the laws does not change how they judge the other
          // (once a step breaks a law, later steps may be judged anyhow: the search stops at the first).
          if (verdicts(LAWS, xm.law) === OK) expect(verdicts(LAWS, ma.law), `${about}: a law judges the set's move differently after the other`).toBe(verdicts(LAWS, xa.law));
          if (verdicts(LAWS, xa.law) === OK) expect(verdicts(LAWS, am.law), `${about}: a law judges the other move differently after the set's`).toBe(verdicts(LAWS, xm.law));
          pairs++;
        }
      }
      if (left === 0) return;
      for (const m of here) {
        if (inSet.has(moveKey(m))) continue;
        const next = step(u, x, m);
        if (verdicts(LAWS, next.law) === OK) visit(next.at, left - 1);
      }
    };
    visit(root, depth);
  }
  return { reducedStates, pairs };
}

describe("partial-order reduction: the sets are persistent and invisible to the laws", () => {
  it.each([
    ["crashes on", SMALL],
    ["crashes off", { ...SMALL, faults: false }],
    ["one driver, three operations", { ...DEFAULT_UNIVERSE, drivers: 1, driverOps: [3] }],
  ] as [string, Universe][])("%s", (_, u) => {
    const { reducedStates, pairs } = checkPersistent(u, 7, 2);
    expect(reducedStates).toBeGreaterThan(10);
    expect(pairs).toBeGreaterThan(10);
  }, 120_000);

  it.each(MUTANT_NAMES.filter((m) => m !== "owned-outlive-owner"))("under the seeded bug %s", (mutant) => {
    const { reducedStates } = checkPersistent({ ...SMALL, mutant }, 23, 1);
    expect(reducedStates).toBeGreaterThan(5);
  }, 120_000);

  it("reduces nothing where it cannot reason: without positions, under owned-outlive-owner, with a law it does not know", () => {
    const u = SMALL;
    const [at] = nodes(u, 1_000_000);
    const reducible = nodes(u, 5).find((x) => porReduction(u).ample(x.state, movesOf(universeSpace(u), x.state, x.pos), x.pos) !== null)!;
    const moves = movesOf(universeSpace(u), reducible.state, reducible.pos);
    expect(at).toBeDefined();
    expect(porReduction(u).ample(reducible.state, moves)).toBeNull();
    expect(porReduction(u, [...LAWS, { ...LAWS[0]!, name: "a-new-law" }]).ample(reducible.state, moves, reducible.pos)).toBeNull();
    expect(porReduction(u).ample({ ...reducible.state, mutant: "owned-outlive-owner" }, moves, reducible.pos)).toBeNull();
  }, 60_000);

  it("the universe's space has no cycles, so the core needs no cycle proviso", () => {
    for (const u of [SMALL, { ...SMALL, mutant: "restart-frees-name" as MutantName }, { ...SMALL, profile: "ray-2.49" as const }]) {
      const edges: [number, number][] = [];
      const r = check(u, { observer: { edge: (from, _m, to) => edges.push([from, to]) } });
      const indegree = new Array<number>(r.states).fill(0);
      const out: number[][] = Array.from({ length: r.states }, () => []);
      for (const [a, b] of edges) {
        expect(a).not.toBe(b);
        indegree[b]!++;
        out[a]!.push(b);
      }
      const ready = indegree.flatMap((d, i) => (d === 0 ? [i] : []));
      let sorted = 0;
      while (ready.length > 0) {
        const n = ready.pop()!;
        sorted++;
        for (const m of out[n]!) if (--indegree[m]! === 0) ready.push(m);
      }
      expect(sorted).toBe(r.states);
    }
  }, 120_000);
});

/** The same verdict, law and counterexample with and without reduction. */
function same(u: Universe, options: CheckOptions = {}): { full: number; reduced: number } {
  const full = check(u, options);
  const por = checkReduced(u, options);
  expect(por.verdict).toBe(full.verdict);
  expect(por.violation?.law).toBe(full.violation?.law);
  expect(canonicalJson(por.violation?.trace ?? null)).toBe(canonicalJson(full.violation?.trace ?? null));
  expect(por.por.states).toBeLessThanOrEqual(full.states);
  if (full.verdict === "ok") expect(por.por.rerun).toBe(false);
  return { full: full.states, reduced: por.por.states };
}

describe("partial-order reduction: the same verdicts as without it", () => {
  it.each([
    ["two drivers, one operation each", SMALL, true],
    ["no crashes", { ...SMALL, faults: false }, true],
    // One driver and the cluster: its next command may touch any actor the cluster is busy with, so nothing is reduced.
    ["one driver, three operations", { ...DEFAULT_UNIVERSE, drivers: 1, driverOps: [3] }, false],
    ["three drivers, one silent, no crashes", { ...DEFAULT_UNIVERSE, drivers: 3, driverOps: [1, 1, 0], faults: false }, true],
    ["two names, one namespace", { ...SMALL, names: 2, namespaces: 1 }, true],
    ["max_restarts 0, no crashes", { ...SMALL, maxRestarts: 0, faults: false }, true],
    ["profile seed", { ...SMALL, profile: "seed" }, true],
  ] as [string, Universe, boolean][])("%s, with and without symmetry", (_, u, fewer) => {
    const plain = same(u);
    if (fewer) expect(plain.reduced).toBeLessThan(plain.full);
    same(u, { symmetry: true });
  }, 300_000);

  it("the default bounds: ok, fewer states, every companion still reached", () => {
    const full = check(DEFAULT_UNIVERSE);
    const por = checkReduced(DEFAULT_UNIVERSE);
    expect(por.verdict).toBe("ok");
    expect(full.verdict).toBe("ok");
    expect(por.states * 1.5).toBeLessThan(full.states);
    for (const law of LAWS) expect(por.companions[law.name], law.name).not.toBeNull();
  }, 300_000);

  it.each(MUTANT_NAMES)("the seeded bug %s: the same law, the same shortest length and scenario, from the re-run without reduction", (mutant) => {
    // The bugs of nodes show only with nodes: in the node universe (where the reduction keeps every move of a node's death).
    const universes = NODE_MUTANT_NAMES.includes(mutant) ? [[NODE_UNIVERSE, false]] : [[DEFAULT_UNIVERSE, false], [SMALL, true]];
    for (const [u, symmetry] of universes as [Universe, boolean][]) {
      const expected = checkMutant(u, mutant, { symmetry });
      const s = mutantSearch(u, mutant, { symmetry });
      const got = s.finish(checkReduced(s.universe, s.options));
      expect(got.result.verdict).toBe(expected.result.verdict);
      expect(got.result.violation?.law).toBe(expected.result.violation?.law);
      expect(got.shortest).toBe(expected.shortest);
      expect(canonicalJson(got.scenario?.scenario ?? null)).toBe(canonicalJson(expected.scenario?.scenario ?? null));
      if (expected.result.verdict === "violation") expect((got.result as ReturnType<typeof checkReduced>).por.rerun).toBe(true);
    }
  }, 300_000);

  it("the profile ray-2.49 (Ray's double release): the same counterexample", () => {
    const u: Universe = { ...DEFAULT_UNIVERSE, profile: "ray-2.49" };
    const expected = checkProfile(u);
    const s = profileSearch(u);
    const got = s.finish(checkReduced(s.universe, s.options));
    expect(expected.result.verdict).toBe("violation");
    expect(got.result.violation?.law).toBe(expected.result.violation?.law);
    expect(got.shortest).toBe(expected.shortest);
    expect(canonicalJson(got.scenario?.scenario ?? null)).toBe(canonicalJson(expected.scenario?.scenario ?? null));
  }, 300_000);
});
