import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MUTANT_NAMES, canonicalJson, initialState, transition,
  type Actor, type ModelEvent, type MutantName, type ProfileName, type State,
} from "./index.js";
import { footprint, footprintsConflict, keysMeet } from "./footprint.js";
import { candidateEvents, eventEnabled } from "../sim/programs.js";

/** The keys (model/footprint.ts) whose records differ between two states. */
function changedKeys(before: State, after: State): string[] {
  const out: string[] = [];
  const differ = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) !== canonicalJson(b ?? null);
  const union = (...rs: (Readonly<Record<string, unknown>> | undefined)[]): string[] => [...new Set(rs.flatMap((r) => Object.keys(r ?? {})))];
  for (const top of ["profile", "mutant", "destroyedActorCache"] as const) if (differ(before[top], after[top])) out.push(`(${top})`);
  if (before.counters.job !== after.counters.job) out.push("counter:job");
  if (before.counters.actor !== after.counters.actor) out.push("counter:actor");
  for (const id of union(before.jobs, before.finished, after.jobs, after.finished)) {
    const b = [before.jobs[id], before.finished[id]];
    const a = [after.jobs[id], after.finished[id]];
    if (differ(b, a)) out.push(`job:${id}`);
  }
  const namespaces = (s: State) => [...new Set([...Object.values(s.jobs), ...Object.values(s.finished)].map((j) => j.namespace))].sort();
  if (differ(namespaces(before), namespaces(after))) out.push("nsinuse");
  for (const id of union(before.actors, before.destroyed, after.actors, after.destroyed)) {
    const view = (s: State) => {
      const a: Actor | undefined = s.actors[id] ?? s.destroyed[id];
      if (a === undefined) return { rest: null, dead: null, data: null, args: null };
      const { data, args, ...rest } = a;
      return { rest: [s.actors[id] !== undefined, rest], dead: [s.actors[id] !== undefined, a.lifecycle === "DEAD"], data, args };
    };
    const b = view(before);
    const a = view(after);
    if (differ(b.rest, a.rest)) out.push(`actor:${id}`);
    if (differ(b.dead, a.dead)) out.push(`dead:${id}`);
    if (differ(b.data, a.data)) out.push(`data:${id}`);
    if (differ(b.args, a.args)) out.push(`args:${id}`);
  }
  for (const ns of union(before.names, after.names)) {
    for (const name of union(before.names[ns], after.names[ns])) {
      if (differ(before.names[ns]?.[name], after.names[ns]?.[name])) out.push(`name:${ns}/${name}`);
    }
  }
  for (const c of union(before.handles, after.handles)) {
    for (const a of union(before.handles[c], after.handles[c])) if (differ(before.handles[c]?.[a], after.handles[c]?.[a])) out.push(`handles:${c}:${a}`);
  }
  for (const c of union(before.inflight, after.inflight)) if (differ(before.inflight[c], after.inflight[c])) out.push(`inflight:${c}`);
  if (Object.keys(before.nodes ?? {}).length !== Object.keys(after.nodes ?? {}).length) out.push("nodes");
  for (const n of union(before.nodes, after.nodes)) if (differ(before.nodes?.[n], after.nodes?.[n])) out.push(`node:${n}`);
  if (after.kills.length > before.kills.length) out.push("kills:push");
  for (const a of new Set([...before.kills, ...after.kills].map((k) => k.actor))) {
    if (differ(before.kills.filter((k) => k.actor === a), after.kills.filter((k) => k.actor === a))) out.push(`killfor:${a}`);
  }
  const pendingBy = (s: State) => new Set(s.kills.map((k) => k.by));
  for (const c of new Set([...pendingBy(before), ...pendingBy(after)])) if (pendingBy(before).has(c) !== pendingBy(after).has(c)) out.push(`killsby:${c}`);
  return out;
}

const SETUPS: [ProfileName, MutantName | undefined, boolean][] = [
  ["ray", undefined, false], ["seed", undefined, false], ["ray-2.49", undefined, false],
  ...MUTANT_NAMES.map((m) => ["ray", m, false] as [ProfileName, MutantName, boolean]),
  // With nodes (format version 2): added, drained, dead; affinities; drivers on nodes.
  ["ray", undefined, true], ["ray-2.49", undefined, true],
];

/** Walks a random program, calling `visit` at each state with its candidate events. */
function walk(profile: ProfileName, mutant: MutantName | undefined, nodes: boolean, moves: readonly (readonly number[])[], visit: (s: State, events: ModelEvent[]) => void): void {
  let state = initialState(profile, mutant);
  for (const move of moves) {
    const events = candidateEvents(state, move, nodes);
    if (events.length === 0) break;
    visit(state, events);
    state = transition(state, events[move[0]! % events.length]!).state;
  }
}

const program = fc.array(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 6, maxLength: 6 }), { minLength: 5, maxLength: 40 });

describe("footprints (model/footprint.ts) keep up with the reducer", () => {
  it.each(SETUPS)("every event changes nothing outside its write set (%s, %s, nodes %s)", (profile, mutant, nodes) => {
    let checked = 0;
    fc.assert(
      fc.property(program, (moves) => {
        walk(profile, mutant, nodes, moves, (state, events) => {
          for (const e of events) {
            const after = transition(state, e).state;
            const writes = footprint(state, e).writes;
            for (const key of changedKeys(state, after)) {
              if (!keysMeet([key], writes)) throw new Error(`${JSON.stringify(e)} changed ${key}, outside its writes [${writes.join(", ")}]`);
            }
            checked++;
          }
        });
      }),
      { seed: 5, numRuns: 60 },
    );
    expect(checked).toBeGreaterThan(500);
  });

  it.each(SETUPS)("two enabled events with disjoint footprints commute and see the same (%s, %s, nodes %s)", (profile, mutant, nodes) => {
    let pairs = 0;
    fc.assert(
      fc.property(program, (moves) => {
        walk(profile, mutant, nodes, moves, (state, events) => {
          for (let i = 0; i < events.length; i++) {
            for (let j = i + 1; j < events.length; j++) {
              const a = events[i]!;
              const b = events[j]!;
              if (canonicalJson(a) === canonicalJson(b) || footprintsConflict(footprint(state, a), footprint(state, b))) continue;
              const ta = transition(state, a);
              const tb = transition(state, b);
              const about = `${JSON.stringify(a)} and ${JSON.stringify(b)}`;
              expect(eventEnabled(ta.state, b), `${about}: the first disables the second`).toBe(true);
              expect(eventEnabled(tb.state, a), `${about}: the second disables the first`).toBe(true);
              const tab = transition(ta.state, b);
              const tba = transition(tb.state, a);
              expect(canonicalJson(tab.state), about).toBe(canonicalJson(tba.state));
              expect(canonicalJson(tab.observations), about).toBe(canonicalJson(tb.observations));
              expect(canonicalJson(tba.observations), about).toBe(canonicalJson(ta.observations));
              pairs++;
            }
          }
        });
      }),
      { seed: 9, numRuns: 40 },
    );
    expect(pairs).toBeGreaterThan(200);
  });

  it("conflict sees through `*` keys and tells records apart", () => {
    expect(keysMeet(["name:ns1/a"], ["name:ns1/*"])).toBe(true);
    expect(keysMeet(["name:*"], ["name:ns2/b"])).toBe(true);
    expect(keysMeet(["name:ns1/a"], ["name:ns2/a"])).toBe(false);
    expect(keysMeet(["handles:j1:*"], ["handles:j1:a2"])).toBe(true);
    expect(keysMeet(["handles:j1:*"], ["handles:j12:a2"])).toBe(false);
    expect(footprintsConflict({ reads: ["dead:a1"], writes: [] }, { reads: ["actor:a1"], writes: ["actor:a1"] })).toBe(false);
    expect(footprintsConflict({ reads: ["dead:a1"], writes: [] }, { reads: [], writes: ["actor:a1", "dead:a1"] })).toBe(true);
  });

  it("two key sets meet when some key of one is a key of the other or a `*` key covers it, whether they are given as arrays or sets", () => {
    const key = fc.tuple(fc.constantFrom("name:", "handles:", "actor:", "dead:"), fc.constantFrom("", "ns1/", "ns1/a", "j1:", "j1:a2", "j12:a2", "a1"), fc.boolean())
      .map(([kind, rest, star]) => kind + rest + (star ? "*" : ""));
    const covers = (x: string, y: string): boolean => x === y || (x.endsWith("*") && y.startsWith(x.slice(0, -1)));
    fc.assert(fc.property(fc.array(key, { maxLength: 6 }), fc.array(key, { maxLength: 6 }), (a, b) => {
      // Two keys meet when one covers the other, or two `*` keys share the keys one of their prefixes starts.
      const meet = (x: string, y: string): boolean => covers(x, y) || covers(y, x) || (x.endsWith("*") && y.endsWith("*") && (x.startsWith(y.slice(0, -1)) || y.startsWith(x.slice(0, -1))));
      const expected = a.some((x) => b.some((y) => meet(x, y)));
      expect(keysMeet(a, b)).toBe(expected);
      expect(keysMeet(new Set(a), new Set(b))).toBe(expected);
    }), { seed: 5, numRuns: 3_000 });
  });
});
