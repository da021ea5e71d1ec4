import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  LAWS, LIVENESS_LAWS, MUTANT_NAMES, applyInPlace, canonicalJson, clusterSettled, firstInternalEvent, initialState, transition,
  type ModelEvent, type MutantName, type ProfileName, type State,
} from "../model/index.js";
import { candidateEvents } from "./programs.js";
import { hashOut } from "./table.js";
import { Tabler, type Vec } from "./tabled.js";

const SETUPS: [ProfileName, MutantName | undefined][] = [
  ["ray", undefined], ["seed", undefined], ["ray-2.49", undefined],
  ...MUTANT_NAMES.map((m) => ["ray", m] as [ProfileName, MutantName]),
];
/** The same, and walks with node events (format version 2) for the model without a bug. */
const WITH_NODES: [ProfileName, MutantName | undefined, boolean][] = [...SETUPS.map(([p, m]) => [p, m, false] as [ProfileName, MutantName | undefined, boolean]), ["ray", undefined, true], ["ray-2.49", undefined, true]];

const program = fc.array(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 6, maxLength: 6 }), { minLength: 5, maxLength: 40 });

/** JSON with the order of every record's keys kept: a materialized state must be the same object, key order included. */
const exact = (v: unknown): string => JSON.stringify(v);

/** Calls `visit` with each state of a random walk from `root` (after each step). */
function walkStates(root: State, moves: readonly (readonly number[])[], visit: (state: State) => void): void {
  let state = root;
  for (const move of moves) {
    const events = candidateEvents(state, move);
    if (events.length === 0) return;
    state = transition(state, events[move[0]! % events.length]!).state;
    visit(state);
  }
}

function fingerprintOf(t: Tabler, vec: Vec): [number, number] {
  t.fingerprint(vec);
  return [hashOut.hi, hashOut.lo];
}

describe("tabled states (sim/tabled.ts): the search core's encoding of the one model", () => {
  it.each(WITH_NODES)("a state packs and rebuilds to itself, key order included, and a tabled transition is the model's own (%s, %s, nodes %s)", (profile, mutant, nodes) => {
    let checked = 0;
    let found = 0;
    fc.assert(
      fc.property(program, (moves) => {
        // One table for the whole program, so later steps are answered from it.
        let state = initialState(profile, mutant);
        const t = new Tabler(state);
        // Carried from transition to transition, as the search does; packing the state again gives the same state.
        let vec = t.pack(state);
        for (const move of moves) {
          const events = candidateEvents(state, move, nodes);
          if (events.length === 0) break;
          expect(exact(t.materialize(vec))).toBe(exact(state));
          expect(exact(t.materialize(t.pack(state)))).toBe(exact(state));
          for (const e of events) {
            let expected: ReturnType<typeof transition> | null = null;
            let error: string | null = null;
            try {
              expected = transition(state, e);
            } catch (err) {
              error = (err as Error).message;
            }
            const before = t.hits;
            const leaf = t.memoApply(vec, canonicalJson(e), (d) => applyInPlace(d, e));
            if (t.hits > before) found++;
            if (expected === null) {
              expect(leaf.error).toBe(error);
              continue;
            }
            expect(leaf.error).toBeUndefined();
            const after = t.applyWrites(vec, leaf.writes);
            expect(exact(t.materialize(after)), JSON.stringify(e)).toBe(exact(expected.state));
            expect(exact(t.materializeAfter(t.materialize(vec), vec, leaf.writes))).toBe(exact(expected.state));
            expect(exact(leaf.observations)).toBe(exact(expected.observations));
            expect([...leaf.rules]).toEqual([...expected.rules]);
            // The fingerprint after, updated from the writes alone, is the one computed from scratch.
            const [hi, lo] = fingerprintOf(t, vec);
            t.fingerprintAfter(vec, hi, lo, leaf.writes);
            const incremental = [hashOut.hi, hashOut.lo];
            expect(incremental).toEqual(fingerprintOf(t, after));
            checked++;
          }
          const chosen = events[move[0]! % events.length]!;
          const next = transition(state, chosen);
          vec = t.applyWrites(vec, t.memoApply(vec, canonicalJson(chosen), (d) => applyInPlace(d, chosen)).writes);
          state = next.state;
        }
      }),
      { seed: 12, numRuns: 40 },
    );
    expect(checked).toBeGreaterThan(300);
    // The tables answer: many transitions were found rather than run again.
    expect(found).toBeGreaterThan(checked / 10);
  });

  it("equal states share a fingerprint whatever order their records were made in, and different states do not (on a random walk's states)", () => {
    const root = initialState("ray");
    const t = new Tabler(root);
    const byCanonical = new Map<string, string>();
    const byPrint = new Map<string, string>();
    fc.assert(
      fc.property(program, (moves) => {
        walkStates(root, moves, (state) => {
          const canonical = canonicalJson(state);
          const print = fingerprintOf(t, t.pack(state)).join(":");
          expect(byCanonical.get(canonical) ?? print).toBe(print);
          expect(byPrint.get(print) ?? canonical).toBe(canonical);
          byCanonical.set(canonical, print);
          byPrint.set(print, canonical);
        });
      }),
      { seed: 3, numRuns: 60 },
    );
    expect(byCanonical.size).toBeGreaterThan(200);
    // The same state with its records made in another order.
    const a = { ...root, jobs: { j1: { id: "j1", namespace: "x", anonymous: false, defaultLifetime: "non_detached", lifecycle: "RUNNING" } }, names: { x: { n: "a1" }, y: { m: "a2" } } } as unknown as State;
    const b = { ...root, names: { y: { m: "a2" }, x: { n: "a1" } }, jobs: { j1: { lifecycle: "RUNNING", defaultLifetime: "non_detached", anonymous: false, namespace: "x", id: "j1" } } } as unknown as State;
    expect(fingerprintOf(t, t.pack(a))).toEqual(fingerprintOf(t, t.pack(b)));
    const c = { ...root, names: { y: { m: "a2" }, x: {} } } as unknown as State;
    const d = { ...root, names: { y: { m: "a2" } } } as unknown as State;
    expect(fingerprintOf(t, t.pack(c))).not.toEqual(fingerprintOf(t, t.pack(d)));
  });

  it("keys a plain object orders first (array indices) keep that order in a tabled draft", () => {
    const root = initialState("ray");
    const t = new Tabler(root);
    const steps: ModelEvent[] = [{ type: "init", namespace: "zz" }, { type: "init", namespace: "7" }, { type: "init", namespace: "10" }];
    let state = root;
    for (const e of steps) {
      const vec = t.pack(state);
      const leaf = t.memoApply(vec, canonicalJson(e), (d) => applyInPlace(d, e));
      const expected = transition(state, e);
      expect(exact(t.materialize(t.applyWrites(vec, leaf.writes)))).toBe(exact(expected.state));
      state = expected.state;
    }
    const create = (ns: string, caller: string): ModelEvent => ({ type: "create", caller, cls: "Counter", name: "n", namespace: ns } as ModelEvent);
    const go = (caller: string): ModelEvent => ({ type: "continue", caller });
    const list: ModelEvent = { type: "list", caller: "j2", allNamespaces: true };
    // The vector is carried from transition to transition (as the search does), never packed again from the state.
    let vec = t.pack(state);
    const namespaces = t.memo((s) => Object.keys(s.names));
    for (const e of [create("zz", "j1"), go("j1"), create("7", "j2"), go("j2"), create("10", "j3"), go("j3"), create("3", "j1"), go("j1"), list]) {
      const leaf = t.memoApply(vec, canonicalJson(e), (d) => applyInPlace(d, e));
      const expected = transition(state, e);
      vec = t.applyWrites(vec, leaf.writes);
      expect(exact(t.materialize(vec))).toBe(exact(expected.state));
      expect(exact(leaf.observations)).toBe(exact(expected.observations));
      // A draft iterating the registry sees its namespaces in the plain object's order.
      const rebuilt = (): State => t.materialize(vec);
      expect(namespaces(0, vec, null, null, { a: rebuilt, b: rebuilt })).toEqual(Object.keys(expected.state.names));
      state = expected.state;
    }
    // Named actors in namespaces "zz", "7", "10" and "3": a plain object lists "3", "7", "10" first.
    expect(Object.keys(state.names)).toEqual(["3", "7", "10", "zz"]);
  });

  it("a memo of a pure function of a state gives the function's value, found again by what it read", () => {
    const root = initialState("ray");
    const t = new Tabler(root);
    const memo = t.memo((s) => firstInternalEvent(s));
    let calls = 0;
    fc.assert(
      fc.property(program, (moves) => {
        walkStates(root, moves, (state) => {
          const vec = t.pack(state);
          const rebuilt = (): State => t.materialize(vec);
          expect(exact(memo(0, vec, null, null, { a: rebuilt, b: rebuilt }))).toBe(exact(firstInternalEvent(state)));
          calls++;
        });
      }),
      { seed: 8, numRuns: 60 },
    );
    expect(calls).toBeGreaterThan(200);
    expect(t.stats["memo"]!.hits).toBeGreaterThan(0);
  });

  it.each(WITH_NODES)("a memo of a function of two states that reads records field by field (every law, its companion, every liveness obligation) gives the function's value (%s, %s, nodes %s)", (profile, mutant, nodes) => {
    const root = initialState(profile, mutant);
    const t = new Tabler(root);
    // What a law sees of a step, with the event and observations passed by key (the search core numbers them the same way).
    const steps: { event: ModelEvent; observations: readonly unknown[] }[] = [];
    const judge = t.memo((a, b, key) => {
      const { event, observations } = steps[key]!;
      const step = { before: a, after: b!, event, observations: observations as never, get settled() { return clusterSettled(b!); } };
      return LAWS.map((law) => [law.check(step), law.reached(step)]);
    }, "laws");
    const owed = t.memo((s) => LIVENESS_LAWS.map((law) => [law.owed(s), law.reached(s)]), "owed");
    const keys = new Map<string, number>();
    let compared = 0;
    fc.assert(
      fc.property(program, (moves) => {
        let state = root;
        let vec = t.pack(state);
        for (const move of moves) {
          const events = candidateEvents(state, move, nodes);
          if (events.length === 0) break;
          for (const e of events) {
            let next: ReturnType<typeof transition>;
            try {
              next = transition(state, e);
            } catch {
              continue;
            }
            const leaf = t.memoApply(vec, canonicalJson(e), (d) => applyInPlace(d, e));
            const text = canonicalJson([e, next.observations]);
            let key = keys.get(text);
            if (key === undefined) {
              key = steps.length;
              keys.set(text, key);
              steps.push({ event: e, observations: next.observations });
            }
            const before = state;
            const after = next.state;
            const expected = LAWS.map((law) => {
              const step = { before, after, event: e, observations: next.observations, settled: clusterSettled(after) };
              return [law.check(step), law.reached(step)];
            });
            const states = { a: () => before, b: () => after };
            expect(exact(judge(key, vec, vec, leaf.writes, states))).toBe(exact(expected));
            expect(exact(owed(0, t.applyWrites(vec, leaf.writes), null, null, { a: () => after, b: () => after }))).toBe(exact(LIVENESS_LAWS.map((law) => [law.owed(after), law.reached(after)])));
            compared++;
          }
          const chosen = events[move[0]! % events.length]!;
          try {
            state = transition(state, chosen).state;
          } catch {
            break;
          }
          vec = t.applyWrites(vec, t.memoApply(vec, canonicalJson(chosen), (d) => applyInPlace(d, chosen)).writes);
        }
      }),
      { seed: 21, numRuns: 40 },
    );
    expect(compared).toBeGreaterThan(500);
    // Found again by what they read, not run afresh each time (and never run directly: they stay tables).
    expect(t.stats["laws"]!.hits).toBeGreaterThan(t.stats["laws"]!.misses / 2);
    expect(t.stats["laws"]!.direct).toBe(0);
  });

  it("a state with GCS fault tolerance packs and rebuilds to itself, its storage, stop and restarts included (what a worker thread hands over)", () => {
    let state = initialState("ray", undefined, { gcsStorage: "redis" });
    const t = new Tabler(state);
    const events: ModelEvent[] = [
      { type: "init", namespace: "ns1" },
      { type: "stopGcs", caller: "" },
      { type: "startGcs", caller: "" },
      { type: "stopGcs", caller: "" },
    ];
    let seen = 0;
    for (const e of events) {
      state = transition(state, e).state;
      const vec = t.pack(state);
      expect(exact(t.materialize(vec))).toBe(exact(state));
      expect([...t.pack(t.materialize(vec))]).toEqual([...vec]);
      if (state.gcsDown !== undefined) seen++;
    }
    expect(state.gcsStorage).toBe("redis");
    expect(state.gcsRestarts).toBe(1);
    expect(seen).toBeGreaterThan(0);
  });

  it("a read-only memo of a record with more properties than a read can number reads it whole (found again only where the record is the same)", () => {
    const base = initialState("ray");
    const wide = (v: number): State => {
      const counters: Record<string, number> = { ...base.counters };
      for (let i = 0; i < 200; i++) counters[`p${i}`] = i === 150 ? v : 0;
      return { ...base, counters } as unknown as State;
    };
    const t = new Tabler(wide(1));
    const sum = (s: State): number => {
      let n = 0;
      for (let i = 0; i < 200; i++) n += (s.counters as unknown as Record<string, number>)[`p${i}`]!;
      return n;
    };
    const memo = t.memo((s) => sum(s));
    for (const v of [1, 2, 3, 2, 1]) {
      const state = wide(v);
      const vec = t.pack(state);
      expect(memo(0, vec, null, null, { a: () => state, b: () => state })).toBe(v);
    }
  });

  it("refuses a state with a field it does not know (rather than lose it)", () => {
    expect(() => new Tabler({ ...initialState("ray"), extra: 1 } as unknown as State)).toThrow(/does not know: extra/);
  });
});
