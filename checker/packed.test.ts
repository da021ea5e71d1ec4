import { describe, expect, it } from "vitest";
import { canonicalJson, initialState, memoCanonicalKey, transition } from "../model/index.js";
import { check, successors, type Node } from "./explore.js";
import { checkPacked, packedSupports, packedTrace, uniquenessViolation, wordsKey } from "./packed.js";
import { PackedStates } from "./packedTable.js";
import { decodeWords, encodeWords, packedEvent } from "./packedEncode.js";
import { makeExpand, maxSuccessors, rulesOf } from "./packedExpand.js";
import { packedLayout } from "./packedLayout.js";
import { makeCanonical, permuteWords } from "./packedSymmetry.js";
import { OPERATIONS, type Universe } from "./universe.js";
import { SPIN_BENCH_UNIVERSE } from "./packedBench.js";

/** The restricted universe: every operation, no crashes, no restarts. */
const base: Universe = { profile: "ray", drivers: 2, namespaces: 1, names: 1, ops: 2, maxRestarts: 0, faults: false, operations: OPERATIONS };

/** A successor as text: the event, the packed key it leads to, the rules the reducer recorded. */
type Line = string;

/** The reference successors of a node, each encoded into packed form. */
function referenceLines(u: Universe, node: Node, L: ReturnType<typeof packedLayout>): { lines: Line[]; children: Node[] } {
  const lines: Line[] = [];
  const children: Node[] = [];
  for (const move of successors(u, node)) {
    const t = transition(node.state, move.event);
    const child: Node = { state: t.state, slots: move.slots ?? node.slots };
    children.push(child);
    lines.push(`${canonicalJson(move.event)} -> ${wordsKey(encodeWords(L, child.state, child.slots))} [${t.rules.join(",")}]`);
  }
  return { lines: lines.sort(), children };
}

/** The packed successors of a packed state, as the same text. */
function packedLines(u: Universe, L: ReturnType<typeof packedLayout>, words: Uint32Array): { lines: Line[]; out: Uint32Array; n: number } {
  const expand = makeExpand(u, L);
  const cap = maxSuccessors(u);
  const out = new Uint32Array(cap * L.words);
  const moves = new Int32Array(cap);
  const rules = new Int32Array(cap);
  const n = expand(words, 0, out, moves, rules);
  const lines: Line[] = [];
  for (let t = 0; t < n; t++) {
    lines.push(`${canonicalJson(packedEvent(L, words, 0, moves[t]!))} -> ${wordsKey(out, t * L.words, L.words)} [${rulesOf(rules[t]!).join(",")}]`);
  }
  return { lines: lines.sort(), out, n };
}

/**
 * Breadth-first search of the reference model (explore.ts's successors and the
 * reducer's transition), comparing at every state the packed successors with
 * the reference ones. Returns the reachable packed keys and the counts.
 */
function exploreBoth(u: Universe, compare = true): { keys: Set<string>; transitions: number; depth: number } {
  const L = packedLayout(u);
  const seen = new Set<string>();
  const canonical = memoCanonicalKey();
  const root: Node = { state: initialState("ray"), slots: Array.from({ length: u.drivers }, () => ({ job: null, ops: 0 })) };
  let frontier: Node[] = [root];
  seen.add(wordsKey(encodeWords(L, root.state, root.slots)));
  let transitions = 0;
  let depth = 0;
  while (frontier.length > 0) {
    const next: Node[] = [];
    for (const node of frontier) {
      const words = encodeWords(L, node.state, node.slots);
      const ref = referenceLines(u, node, L);
      if (compare) {
        // Decoding gives back the very reference state.
        const back = decodeWords(L, words);
        expect(canonical(back.state)).toBe(canonical(node.state));
        expect(back.slots).toEqual(node.slots);
        const packed = packedLines(u, L, words);
        expect(packed.lines, `successors of ${canonicalJson(node.state)} ${JSON.stringify(node.slots)}`).toEqual(ref.lines);
      }
      transitions += ref.lines.length;
      for (const child of ref.children) {
        const key = wordsKey(encodeWords(L, child.state, child.slots));
        if (seen.has(key)) continue;
        seen.add(key);
        next.push(child);
      }
    }
    frontier = next;
    if (next.length > 0) depth++;
  }
  return { keys: seen, transitions, depth };
}

/** A small seeded generator (mulberry32): tests never use Math.random. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("packed engine: the same model as the reference", () => {
  const universes: [string, Universe][] = [
    ["2 drivers, 1 namespace, 1 name, 2 ops, every operation", { ...base, ops: 2 }],
    ["2 drivers, 2 namespaces, 2 names, 1 op, every operation", { ...base, namespaces: 2, names: 2, ops: 1 }],
    ["3 drivers, 1 namespace, 1 name, 1 op, every operation", { ...base, drivers: 3, ops: 1 }],
    ["1 driver, 1 namespace, 2 names, 3 ops, every operation", { ...base, drivers: 1, names: 2, ops: 3 }],
    ["2 drivers, 1 namespace, 1 name, 3 ops, getIfExists/killRestart/exitActor/call/exit", { ...base, ops: 3, operations: ["getIfExists", "killRestart", "exitActor", "call", "exit"] }],
    ["2 drivers with 2 and 1 ops, 2 namespaces, 1 name, every operation", { ...base, namespaces: 2, driverOps: [2, 1] }],
  ];
  for (const [title, u] of universes) {
    it(`reaches the same states by the same transitions with the same rules: ${title}`, () => {
      expect(packedSupports(u)).toBeNull();
      const both = exploreBoth(u);
      const packed = checkPacked(u);
      const reference = check(u);
      expect(packed.verdict).toBe("ok");
      expect(reference.verdict).toBe("ok");
      expect(packed.states).toBe(both.keys.size);
      expect(packed.states).toBe(reference.states);
      expect(packed.transitions).toBe(both.transitions);
      expect(packed.transitions).toBe(reference.transitions);
      expect(packed.depth).toBe(reference.depth);
    });
  }

  it("steps side by side with the reference on random walks in larger universes (seeded)", () => {
    const big: Universe[] = [
      { ...base, drivers: 3, namespaces: 2, names: 2, ops: 4 },
      { ...base, drivers: 4, namespaces: 1, names: 2, ops: 3 },
      { ...base, drivers: 3, namespaces: 2, names: 3, ops: 5 },
      { ...base, drivers: 3, namespaces: 3, names: 2, ops: 4, driverOps: [4, 2, 3] },
    ];
    for (const u of big) {
      const L = packedLayout(u);
      for (let seed = 1; seed <= 50; seed++) {
        const random = rng(seed);
        let node: Node = { state: initialState("ray"), slots: Array.from({ length: u.drivers }, () => ({ job: null, ops: 0 })) };
        for (let step = 0; step < 200; step++) {
          const words = encodeWords(L, node.state, node.slots);
          const ref = referenceLines(u, node, L);
          const packed = packedLines(u, L, words);
          expect(packed.lines, `seed ${seed}, step ${step}, universe ${JSON.stringify(u)}`).toEqual(ref.lines);
          expect(uniquenessViolation(L, words, 0), `seed ${seed}, step ${step}`).toBeNull();
          if (ref.children.length === 0) break;
          node = ref.children[Math.floor(random() * ref.children.length)]!;
        }
      }
    }
  });

  it("refuses universes it does not model, naming the flag", () => {
    expect(packedSupports({ ...base, faults: true })).toMatch(/--faults/);
    expect(packedSupports({ ...base, maxRestarts: 1 })).toMatch(/--max-restarts/);
    expect(packedSupports({ ...base, profile: "seed" })).toMatch(/--profile/);
    expect(packedSupports({ ...base, mutant: "kill-keeps-name" })).toMatch(/--mutant/);
    expect(() => checkPacked({ ...base, faults: true })).toThrow(/--faults/);
  });

  it("finds a broken registry, and the law's checker is not vacuous", () => {
    const u: Universe = { ...base, namespaces: 2, names: 2 };
    const L = packedLayout(u);
    // Two drivers in ns1 create a and a2... built by hand: a1 and a2 both live and named ns1/a.
    let state = initialState("ray");
    for (const e of [
      { type: "init", namespace: "ns1" }, { type: "init", namespace: "ns1" },
      { type: "create", caller: "j1", cls: "Counter", args: [], name: "a", lifetime: "detached", maxRestarts: 0 },
      { type: "continue", caller: "j1" },
    ] as const) state = transition(state, e).state;
    const slots = [{ job: "j1", ops: 1 }, { job: "j2", ops: 0 }];
    const ok = encodeWords(L, state, slots);
    expect(uniquenessViolation(L, ok, 0)).toBeNull();
    const twin = { ...state.actors["a1"]!, id: "a2", root: "a2" };
    const broken = { ...state, counters: { ...state.counters, actor: 2 }, actors: { ...state.actors, a2: twin } };
    expect(uniquenessViolation(L, encodeWords(L, broken, slots), 0)).toMatch(/two live actors are named ns1\/a/);
    const dangling = { ...state, names: { ns1: { a: "a1", b: "a1" } } };
    expect(uniquenessViolation(L, encodeWords(L, dangling, slots), 0)).toMatch(/named otherwise/);
  });
});

describe("packed engine: symmetry", () => {
  it("reaches one state per orbit of the reference's reachable states", () => {
    for (const u of [
      { ...base, namespaces: 2, names: 2, ops: 1 },
      { ...base, drivers: 3, ops: 1 },
      { ...base, drivers: 3, namespaces: 2, ops: 1, driverOps: [1, 1, 2], operations: ["getIfExists", "get", "kill", "exit"] as const },
    ] as Universe[]) {
      const L = packedLayout(u);
      const canonical = makeCanonical(u, L);
      const both = exploreBoth(u, false);
      const orbits = new Set<string>();
      for (const key of both.keys) {
        const words = Uint32Array.from(key.split("."), (h) => parseInt(h, 16));
        canonical(words, 0);
        orbits.add(wordsKey(words));
      }
      const sym = checkPacked(u, { symmetry: true });
      const plain = checkPacked(u);
      expect(sym.verdict).toBe("ok");
      expect(sym.states).toBe(orbits.size);
      expect(sym.states).toBeLessThan(plain.states);
      expect(sym.depth).toBe(plain.depth);
    }
  });

  it("gives every state of an orbit the same representative (seeded random states and permutations)", () => {
    const u: Universe = { ...base, drivers: 4, namespaces: 2, names: 2, ops: 4, driverOps: [4, 3, 4, 4] };
    const L = packedLayout(u);
    const canonical = makeCanonical(u, L);
    for (let seed = 1; seed <= 40; seed++) {
      const random = rng(seed);
      let node: Node = { state: initialState("ray"), slots: Array.from({ length: u.drivers }, () => ({ job: null, ops: 0 })) };
      for (let step = 0; step < 60; step++) {
        const moves = successors(u, node);
        if (moves.length === 0) break;
        const move = moves[Math.floor(random() * moves.length)]!;
        node = { state: transition(node.state, move.event).state, slots: move.slots ?? node.slots };
        const words = encodeWords(L, node.state, node.slots);
        const rep = words.slice();
        canonical(rep, 0);
        const image = permuteWords(u, L, words, random);
        canonical(image, 0);
        expect(wordsKey(image), `seed ${seed}, step ${step}`).toBe(wordsKey(rep));
      }
    }
  });
});

describe("packed engine: counterexample paths", () => {
  it("reads back, from parent pointers, a path of reference events that leads to the stored state (with and without symmetry)", () => {
    const u: Universe = { ...base, drivers: 3, namespaces: 2, names: 2, ops: 1 };
    const L = packedLayout(u);
    const W = L.words;
    const expand = makeExpand(u, L);
    for (const symmetry of [false, true]) {
      const canonical = symmetry ? makeCanonical(u, L) : null;
      const states = new PackedStates(W);
      states.add(new Uint32Array(W), 0, -1);
      const cap = maxSuccessors(u);
      const out = new Uint32Array(cap * W);
      const moves = new Int32Array(cap);
      const rules = new Int32Array(cap);
      for (let s = 0; s < states.size && states.size < 20_000; s++) {
        const n = expand(states.buffer, states.offset(s), out, moves, rules);
        for (let t = 0; t < n; t++) {
          if (canonical !== null) canonical(out, t * W);
          states.add(out, t * W, s);
        }
      }
      for (const index of [1, 777, states.size >> 1, states.size - 1]) {
        const trace = packedTrace(u, L, expand, canonical, states, index);
        const path: number[] = [];
        for (let i = index; i > 0; i = states.parent[i]!) path.unshift(i);
        expect(trace.length).toBe(path.length);
        const keyOf = (n: Node): string => {
          const words = encodeWords(L, n.state, n.slots);
          if (canonical !== null) canonical(words, 0);
          return wordsKey(words);
        };
        let node: Node = { state: initialState("ray"), slots: Array.from({ length: u.drivers }, () => ({ job: null, ops: 0 })) };
        trace.forEach((event, step) => {
          // An init does not say which driver starts: take the driver whose start leads where the path goes.
          const stored = wordsKey(states.buffer, states.offset(path[step]!), W);
          const next = successors(u, node)
            .filter((m) => canonicalJson(m.event) === canonicalJson(event))
            .map((m) => ({ state: transition(node.state, m.event).state, slots: m.slots ?? node.slots }))
            .find((n) => keyOf(n) === stored);
          expect(next, `step ${step}: ${canonicalJson(event)} leads to the stored state`).toBeDefined();
          node = next!;
        });
        expect(keyOf(node)).toBe(wordsKey(states.buffer, states.offset(index), W));
      }
    }
  });
});

describe("packed engine: the SPIN bench universe (counts pinned)", () => {
  it("without symmetry", () => {
    const r = checkPacked(SPIN_BENCH_UNIVERSE);
    expect(r.verdict).toBe("ok");
    expect([r.states, r.transitions, r.depth]).toEqual([2_104_102, 5_180_634, 21]);
  });
  it("with symmetry", () => {
    const r = checkPacked(SPIN_BENCH_UNIVERSE, { symmetry: true });
    expect(r.verdict).toBe("ok");
    expect([r.states, r.transitions, r.depth]).toEqual([350_714, 863_543, 21]);
  });
});
