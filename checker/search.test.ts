import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { canonicalJson, initialState, transition, type ModelEvent } from "../model/index.js";
import { FingerprintTable, collisionOdds, hashOut, hashValue } from "../sim/table.js";
import { Level, fingerprinter, listsSpace, movesOf, replayPath, search, type Lists, type SearchResult } from "../sim/search.js";
import { check, universeSpace } from "./explore.js";
import { DEFAULT_UNIVERSE, type Universe } from "./universe.js";
import { drainSync } from "../sim/pace.js";

describe("a frontier level", () => {
  it("gives back every node as written, vectors stored as their differences from the node before", () => {
    // Parents, each pushed with writes: small and large slots, values past 2^24 and negative ones, vectors that grow and shrink.
    // Few small values, so that nodes often agree on a slot; lengths up to past the one-integer slots (128).
    const value = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) });
    const vector = fc.array(value, { maxLength: 300, size: "max" });
    const writes = fc.array(fc.tuple(fc.nat({ max: 320 }), value), { maxLength: 6 });
    // Chunks of 16 or 200 integers (4 MiB in the search): nodes fill many, and some are larger than one.
    fc.assert(fc.property(fc.array(fc.tuple(vector, fc.option(writes, { nil: null }), fc.nat(), fc.nat()), { minLength: 1, maxLength: 60 }), fc.constantFrom(16, 200, 1 << 20), (nodes, chunk) => {
      const level = new Level(chunk);
      const expected: number[][] = [];
      nodes.forEach(([parent, w, hi, lo], i) => {
        const flat = w === null ? null : Int32Array.from(w.flat());
        level.push(i, i * 3, hi, lo, Int32Array.from(parent), flat);
        const pushed = level.last();
        const want = [...parent];
        if (w !== null) for (const [slot, v] of w) {
          while (want.length <= slot) want.push(0);
          want[slot] = v;
        }
        expect([...pushed]).toEqual(want);
        expected.push(want);
      });
      expect(level.count).toBe(nodes.length);
      const node = { index: 0, pos: 0, hi: 0, lo: 0, vec: new Int32Array(0) as Int32Array };
      for (let i = 0; i < nodes.length; i++) {
        expect(level.read(node)).toBe(true);
        expect([node.index, node.pos, node.hi, node.lo]).toEqual([i, i * 3, nodes[i]![2] >>> 0, nodes[i]![3] >>> 0]);
        expect([...node.vec]).toEqual(expected[i]);
      }
      expect(level.read(node)).toBe(false);
    }), { numRuns: 200 });
  });

  it("stores a node that differs from the one before in one slot in at most eight integers", () => {
    const level = new Level();
    const base = Int32Array.from({ length: 50 }, (_, i) => i % 7);
    for (let i = 0; i < 1000; i++) level.push(i, 0, 0, 0, base, Int32Array.from([i % 50, i]));
    // Each node differs from the one before in at most two slots: 6 integers of header and at most 2 of differences.
    expect(level.ints).toBeLessThanOrEqual(1000 * 8 + 50);
  });
});

describe("the fingerprint table", () => {
  it("keeps every fingerprint with its index across growth, and finds each again", () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 })), { maxLength: 3_000 }), (prints) => {
      const table = new FingerprintTable(4);
      const first = new Map<string, number>();
      prints.forEach(([hi, lo], i) => {
        const key = `${hi}:${hi === 0 && lo === 0 ? 1 : lo}`;
        const before = table.insert(hi, lo, i);
        expect(before).toBe(first.get(key) ?? -1);
        if (!first.has(key)) first.set(key, i);
      });
      expect(table.size).toBe(first.size);
      for (const [key, index] of first) {
        const [hi, lo] = key.split(":").map(Number) as [number, number];
        expect(table.get(hi, lo)).toBe(index);
      }
    }), { numRuns: 50 });
  });

  it("reports the birthday odds of a collision", () => {
    expect(collisionOdds(1)).toBe(0);
    expect(collisionOdds(2 ** 20)).toBeCloseTo((2 ** 20 * (2 ** 20 - 1)) / 2 ** 65, 20);
  });
});

describe("hashValue (symmetry's key of a renamed state)", () => {
  const hashOf = (v: unknown): string => {
    hashValue(v);
    return `${hashOut.hi}:${hashOut.lo}`;
  };
  /** The same value with every record's keys in another order (a different insertion order, so another key order). */
  const shuffled = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(shuffled);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).reverse()) out[k] = shuffled((v as Record<string, unknown>)[k]);
    return out;
  };

  it("is equal exactly where canonicalJson prints alike (on random JSON: key order never counts, anything else does)", () => {
    fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
      expect(hashOf(shuffled(a))).toBe(hashOf(a));
      expect(hashOf(a) === hashOf(b)).toBe(canonicalJson(a) === canonicalJson(b));
    }), { numRuns: 2_000, seed: 12 });
  });

  it("tells apart the kinds and shapes that print alike in parts: strings and numbers, arrays and records, order in arrays, an absent entry and a null one", () => {
    const values: unknown[] = ["1", 1, true, "true", null, "null", [], {}, [1, 2], [2, 1], { a: 1 }, { a: null }, { a: "1" }, [[]], [{}], { a: [] }, { a: {} }, ""];
    const hashes = new Set(values.map(hashOf));
    expect(hashes.size).toBe(values.length);
    // An undefined entry counts as absent, as canonicalJson leaves it out.
    expect(hashOf({ a: 1, b: undefined })).toBe(hashOf({ a: 1 }));
  });
});

describe("node fingerprints (the search core's tabled fingerprint of a state with its positions)", () => {
  it("agree with the model's canonical text on the states of random walks", () => {
    const space = universeSpace(DEFAULT_UNIVERSE);
    const byText = new Map<string, string>();
    const byPrint = new Map<string, string>();
    const h = fingerprinter(space);
    fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 12 }), (choices) => {
      let state = space.root;
      let pos = space.start;
      for (const c of choices) {
        const moves = movesOf(space, state, pos);
        if (moves.length === 0) break;
        const move = moves[c % moves.length]!;
        const t = transition(state, move.event);
        const a = space.advance({ before: state, pos, move, after: t.state, observations: t.observations, settled: false, depth: 0, path: () => [] });
        if (!("pos" in a)) throw new Error("no failures in a universe");
        state = t.state;
        pos = a.pos;
        const text = canonicalJson(state) + "|" + space.posKey(pos);
        h(state, pos);
        const p = `${hashOut.hi}:${hashOut.lo}`;
        // Equal fingerprints only for states with the same canonical text (keys sorted at every level).
        if (byText.has(p)) expect(byText.get(p)).toBe(text);
        byText.set(p, text);
        // And the same canonical text always gets the same fingerprint.
        if (byPrint.has(text)) expect(byPrint.get(text)).toBe(p);
        byPrint.set(text, p);
      }
    }), { numRuns: 200 });
  });
});

/** A tiny space: lists of steps, each a command of a caller given as a string (a create of one name, or an init). */
function lists(steps: string[][]): Lists<string, null, string> {
  let state = transition(initialState("ray"), { type: "init", namespace: "n" }).state;
  state = transition(state, { type: "init", namespace: "n" }).state;
  return {
    lists: steps, root: state, extra: null,
    callerOf: (item) => item.split(":")[0]!,
    eventOf: (item): ModelEvent => {
      const [caller, what] = item.split(":") as [string, string];
      if (what === "boom") throw new Error("no such command");
      return { type: "create", caller, cls: "Counter", name: what, getIfExists: true };
    },
    isCrash: () => false,
    answered: ({ answer, extra }) => (answer.result.kind === "error" ? { failure: `error ${answer.result.error}` } : { extra }),
    extraKey: () => "",
    stuck: () => "stuck",
  };
}

describe("the search core's outcomes", () => {
  const run = (l: Lists<string, null, string>, maxStates?: number): SearchResult<string> =>
    drainSync(search(listsSpace(l), maxStates === undefined ? {} : { maxStates }));

  it("ok when every interleaving ends, with the ends reported", () => {
    const ends: number[] = [];
    const r = drainSync(search(listsSpace(lists([["j1:a"], ["j2:a"]])), { onEnd: () => ends.push(1) }));
    expect(r.verdict).toBe("ok");
    expect(ends.length).toBeGreaterThan(0);
  });

  it("a blown bound is incomplete, never ok", () => {
    const r = run(lists([["j1:a", "j1:b"], ["j2:a", "j2:b"]]), 5);
    expect(r.verdict).toBe("incomplete");
    expect(r.bound).toBe("states");
    expect(r.states).toBe(5);
  });

  it("a step the space cannot make is the verdict error, with the search's figures", () => {
    const r = run(lists([["j1:boom"]]));
    expect(r.verdict).toBe("error");
    expect(r.error).toContain("no such command");
  });

  it("a violation carries the failing path, which replays move by move", () => {
    const space = listsSpace({ ...lists([["j1:a"], ["j2:a"]]), answered: ({ answer, extra }) => (answer.result.kind === "handle" && answer.caller === "j2" ? { failure: "j2 got a handle" } : { extra }) });
    const r = drainSync(search(space));
    expect(r.verdict).toBe("violation");
    expect(r.failure).toBe("j2 got a handle");
    expect(r.trace!.length).toBeGreaterThan(0);
  });

  it("paths rebuilt from parents replay to the same states", () => {
    const u: Universe = { ...DEFAULT_UNIVERSE, drivers: 1, driverOps: undefined, ops: 2 };
    const seen: { index: number; state: unknown }[] = [];
    const r = check(u, { observer: { state: (index, state) => { if (index % 97 === 0) seen.push({ index, state }); } } });
    expect(r.verdict).toBe("ok");
    const space = universeSpace(u);
    for (const { index, state } of seen) {
      const replayed = replayPath(space, r.path(index));
      expect(replayed.states.at(-1)).toEqual(state);
    }
  });
});
