import { nameUniqueness, type ModelEvent, type State } from "../model/index.js";
import { observationsOf, type CheckProgress, type Verdict, type Violation } from "./explore.js";
import { decodeWords, encodeWords, packedEvent } from "./packedEncode.js";
import { makeExpand, maxSuccessors, type Expand } from "./packedExpand.js";
import { LIFE_DEAD, getField, packedLayout, type PackedLayout } from "./packedLayout.js";
import { makeCanonical } from "./packedSymmetry.js";
import { PackedStates } from "./packedTable.js";
import { OPERATIONS, type DriverSlot, type Universe } from "./universe.js";

/**
 * The packed engine: the same model as the reference search (`check` in
 * explore.ts), for a restricted universe, with each state packed into a few
 * 32-bit words and successors computed on the words (packedExpand.ts): no
 * immer, no objects per successor. Breadth-first, with an open-addressing
 * visited set on typed arrays and parent pointers for counterexamples.
 *
 * Laws: the packed engine checks one law, name-uniqueness, on every state it
 * finds (that law looks only at the state after a step, so checking each new
 * state is checking each transition): at most one live actor holds a name in
 * a namespace, the registry points only at registered actors that carry that
 * name, and a live named actor can be found by it. The other laws of
 * model/laws (which look at observations and at the step itself) and the
 * laws' companions and the chart coverage are the reference search's job;
 * `checker/packed.test.ts` shows both engines reach the same states by the
 * same transitions with the same rules, so its figures are the reference's.
 */

/** The universe the packed engine supports, or why not (naming the flag): null when supported. */
export function packedSupports(u: Universe): string | null {
  if (u.profile !== "ray") return `--profile ${u.profile}: the packed engine supports the ray profile only`;
  if (u.faults) return "--faults: the packed engine supports universes without crashes only";
  if (u.maxRestarts !== 0) return "--max-restarts: the packed engine supports max_restarts 0 only";
  if (u.mutant !== undefined) return `--mutant ${u.mutant}: the packed engine runs the model without seeded bugs only`;
  const unknown = u.operations.find((op) => !OPERATIONS.includes(op));
  if (unknown !== undefined) return `--operations: unknown operation ${unknown}`;
  if (u.drivers > 6 || u.ops > 8 || u.names > 8 || u.namespaces > 4) return "--drivers/--ops/--names/--namespaces: beyond the universe's bounds";
  const actors = Array.from({ length: u.drivers }, (_, i) => u.driverOps?.[i] ?? u.ops).reduce((a, b) => a + b, 0);
  if (actors > 63) return "--drivers × --ops: at most 63 actors";
  if (u.driverOps !== undefined && u.driverOps.length !== u.drivers) return "--ops: one count per driver";
  return null;
}

export interface PackedCheckOptions {
  /** Stop (verdict `incomplete`) past this many states. */
  readonly maxStates?: number;
  /** Stop (verdict `incomplete`) past this many milliseconds, measured by `now`. */
  readonly maxMillis?: number;
  /** A clock for the time bound, progress and the reported seconds (the engine never reads one). */
  readonly now?: () => number;
  readonly progress?: (p: CheckProgress) => void;
  readonly progressEvery?: number;
  /** Store one state per orbit under permutations of drivers, job and actor ids, names and namespaces. */
  readonly symmetry?: boolean;
}

export interface PackedCheckResult {
  readonly engine: "packed";
  readonly verdict: Verdict;
  readonly bound?: "states" | "time";
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly symmetry: boolean;
  /** Words per state. */
  readonly words: number;
  /** Milliseconds by `now` (0 without a clock). */
  readonly millis: number;
  readonly violation?: Violation;
}

/** The packed form of a reference state and the drivers' positions, as a key (hex words). */
export function encodeReference(universe: Universe, state: State, slots: readonly DriverSlot[]): string {
  return wordsKey(encodeWords(packedLayout(universe), state, slots));
}

/** A packed state's words as a key. */
export function wordsKey(b: Uint32Array, o = 0, W = b.length - o): string {
  let k = "";
  for (let w = 0; w < W; w++) k += (w > 0 ? "." : "") + b[o + w]!.toString(16);
  return k;
}

/** The breadth-first search of a supported universe on packed states. */
export function checkPacked(universe: Universe, options: PackedCheckOptions = {}): PackedCheckResult {
  const reason = packedSupports(universe);
  if (reason !== null) throw new RangeError(reason);
  const now = options.now ?? (() => 0);
  const started = now();
  const maxStates = options.maxStates ?? Infinity;
  const maxMillis = options.maxMillis ?? Infinity;
  const progressEvery = options.progressEvery ?? 1 << 18;
  const symmetry = options.symmetry === true;
  const L = packedLayout(universe);
  const W = L.words;
  const expand = makeExpand(universe, L);
  const canonical = symmetry ? makeCanonical(universe, L) : null;
  const unique = makeUniquenessCheck(L);
  const states = new PackedStates(W, 1 << 20);
  const cap = maxSuccessors(universe);
  const out = new Uint32Array(cap * W);
  const moves = new Int32Array(cap);
  const rules = new Int32Array(cap);
  states.add(new Uint32Array(W), 0, -1);

  let transitions = 0;
  let depth = 0;
  let levelStart = 0;
  let levelEnd = 1;
  let stop: { verdict: Verdict; bound?: "states" | "time"; violation?: Violation } | null = null;
  search: while (levelStart < levelEnd) {
    options.progress?.({ states: states.size, transitions, depth, frontier: levelEnd - levelStart });
    for (let s = levelStart; s < levelEnd; s++) {
      const n = expand(states.buffer, states.offset(s), out, moves, rules);
      transitions += n;
      for (let t = 0; t < n; t++) {
        const to = t * W;
        if (canonical !== null) canonical(out, to);
        if (t > 0) {
          // Moves that differ only in an option the outcome ignores (a refused create, detached or not) come out side by side.
          let w = 0;
          while (w < W && out[to + w] === out[to - W + w]) w++;
          if (w === W) continue;
        }
        const index = states.add(out, to, s);
        if (index < 0) continue;
        if (!unique(states.buffer, states.offset(index))) {
          const message = uniquenessViolation(L, states.buffer, states.offset(index)) ?? "name-uniqueness";
          depth++;
          stop = { verdict: "violation", violation: violationOf(universe, L, expand, canonical, states, index, message) };
          break search;
        }
        if (states.size >= maxStates) {
          stop = { verdict: "incomplete", bound: "states" };
          break search;
        }
        if (states.size % progressEvery === 0) {
          options.progress?.({ states: states.size, transitions, depth: depth + 1, frontier: states.size - levelEnd });
          if (now() - started > maxMillis) {
            stop = { verdict: "incomplete", bound: "time" };
            break search;
          }
        }
      }
    }
    levelStart = levelEnd;
    levelEnd = states.size;
    if (levelEnd > levelStart) depth++;
  }
  return {
    engine: "packed", ...(stop ?? { verdict: "ok" }), states: states.size, transitions, depth, symmetry, words: W, millis: now() - started,
  };
}

/** A fast form of `uniquenessViolation`: true when the state keeps the law. */
export function makeUniquenessCheck(L: PackedLayout): (b: Uint32Array, o: number) => boolean {
  const w = L.width;
  const M = L.names;
  const E = L.namespaces * M;
  const { registry, actorRegistered, actorLife, actorName, actorCreator, jobNs } = L;
  const pCounter = L.counterActor;
  const g = (b: Uint32Array, o: number, pos: number, bits: number): number => (b[o + (pos >>> 5)]! >>> (pos & 31)) & ((1 << bits) - 1);
  return (b, o) => {
    const cActor = g(b, o, pCounter, w.actorNumber);
    for (let e = 0; e < E; e++) {
      const a = g(b, o, registry[e]!, w.actorNumber);
      if (a === 0) continue;
      const k = a - 1;
      if (a > cActor || g(b, o, actorRegistered[k]!, 1) === 0) return false;
      if (g(b, o, jobNs[g(b, o, actorCreator[k]!, w.jobIndex)]!, w.ns) * M + g(b, o, actorName[k]!, w.name) !== e) return false;
    }
    let live = 0;
    for (let k = 0; k < cActor; k++) {
      if (g(b, o, actorRegistered[k]!, 1) === 0 || g(b, o, actorLife[k]!, 2) === LIFE_DEAD) continue;
      const e = g(b, o, jobNs[g(b, o, actorCreator[k]!, w.jobIndex)]!, w.ns) * M + g(b, o, actorName[k]!, w.name);
      if ((live & (1 << e)) !== 0) return false;
      live |= 1 << e;
      if (g(b, o, registry[e]!, w.actorNumber) !== k + 1) return false;
    }
    return true;
  };
}

/**
 * name-uniqueness on a packed state: the registry points only at registered
 * actors carrying that name in that namespace; no two registered actors that
 * are not DEAD share a (namespace, name); each such actor is the registry's.
 */
export function uniquenessViolation(L: PackedLayout, b: Uint32Array, o: number): string | null {
  const w = L.width;
  const g = (pos: number, bits: number): number => getField(b, o, pos, bits);
  const M = L.names;
  const cActor = g(L.counterActor, w.actorNumber);
  const nsOf = (k: number): number => g(L.jobNs[g(L.actorCreator[k]!, w.jobIndex)]!, w.ns);
  for (let e = 0; e < L.namespaces * M; e++) {
    const a = g(L.registry[e]!, w.actorNumber);
    if (a === 0) continue;
    const where = `ns${Math.floor(e / M) + 1}/${"abcdefgh"[e % M]}`;
    if (a > cActor || g(L.actorRegistered[a - 1]!, 1) === 0) return `the registry maps ${where} to a${a}, which is not registered`;
    if (nsOf(a - 1) * M + g(L.actorName[a - 1]!, w.name) !== e) return `the registry maps ${where} to a${a}, which is named otherwise`;
  }
  let live = 0; // registry entries (at most 32) seen held by a live actor
  for (let k = 0; k < cActor; k++) {
    if (g(L.actorRegistered[k]!, 1) === 0 || g(L.actorLife[k]!, 2) === LIFE_DEAD) continue;
    const e = nsOf(k) * M + g(L.actorName[k]!, w.name);
    const bit = 1 << e;
    if ((live & bit) !== 0) return `two live actors are named ns${Math.floor(e / M) + 1}/${"abcdefgh"[e % M]} (a${k + 1} and another)`;
    live |= bit;
    if (g(L.registry[e]!, w.actorNumber) !== k + 1) return `a${k + 1} is live and named but the registry does not find it`;
  }
  return null;
}

/**
 * The counterexample to the state at `index`: its path of stored states,
 * replayed from the initial state so that each step is a real move (under
 * symmetry the stored states are orbit representatives), then the
 * observations from the reference reducer.
 */
function violationOf(
  universe: Universe, L: PackedLayout, expand: Expand, canonical: ((b: Uint32Array, o: number) => void) | null,
  states: PackedStates, index: number, message: string,
): Violation {
  const trace = packedTrace(universe, L, expand, canonical, states, index);
  return { law: nameUniqueness.name, sentence: nameUniqueness.sentence, message, trace, observations: observationsOf(universe, trace) };
}

/** The events leading from the initial state to the stored state `index`. */
export function packedTrace(
  universe: Universe, L: PackedLayout, expand: Expand, canonical: ((b: Uint32Array, o: number) => void) | null,
  states: PackedStates, index: number,
): ModelEvent[] {
  const W = L.words;
  const path: number[] = [];
  for (let i = index; i >= 0; i = states.parent[i]!) path.push(i);
  path.reverse();
  const cap = maxSuccessors(universe);
  const out = new Uint32Array(cap * W);
  const moves = new Int32Array(cap);
  const rules = new Int32Array(cap);
  const canon = new Uint32Array(W);
  let actual = states.buffer.slice(states.offset(0), states.offset(0) + W);
  const trace: ModelEvent[] = [];
  for (let step = 1; step < path.length; step++) {
    const target = states.offset(path[step]!);
    const n = expand(actual, 0, out, moves, rules);
    let found = -1;
    for (let t = 0; t < n && found < 0; t++) {
      canon.set(out.subarray(t * W, t * W + W));
      if (canonical !== null) canonical(canon, 0);
      let w = 0;
      while (w < W && canon[w] === states.buffer[target + w]) w++;
      if (w === W) found = t;
    }
    if (found < 0) throw new Error("packed: a stored state is not a successor of its parent");
    trace.push(packedEvent(L, actual, 0, moves[found]!));
    actual = out.slice(found * W, found * W + W);
  }
  return trace;
}

export { decodeWords, encodeWords, packedEvent, packedLayout };
