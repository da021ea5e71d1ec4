import { LIVENESS_LAWS, MUTANTS, type LivenessLaw, type ModelEvent, type State } from "../model/index.js";
import { drainSync, type Paced } from "../sim/pace.js";
import { counterexampleScenario, type Bug, type CounterexampleScenario } from "./counterexample.js";
import { checkPaced, universeSpace, type CheckOptions, type CheckResult } from "./explore.js";
import { replayPath, type Move, type MoveKind, type SearchObserver } from "../sim/search.js";
import { IntColumn } from "../sim/table.js";
import type { Universe } from "./universe.js";

/**
 * The liveness analysis of `rollcall check`: a search observer that records
 * the state graph compactly while the search runs (typed arrays, edges in
 * compressed rows; each state's owed obligation instances and each move's
 * fairness id interned as numbers), then decides each `eventually` law on it.
 *
 * Fairness is weak fairness of the cluster's internal events (one id per
 * event, its canonical text) and of each caller's command in flight (one id
 * per caller, `continue:<caller>`): a run may not leave such a move enabled
 * forever without taking it, and the GCS, once stopped, starts again. A
 * driver's new operations and crashes are never forced. An instance of a law is violated when some reachable state owes it
 * and a fair run from there keeps it owed forever: either the run stops in a
 * state where no fair move is enabled (a stutter), or it stays forever in a
 * strongly connected set of states that owe it and that is fair (every fair
 * id enabled in all of its states is taken by one of its edges). Both are
 * found on the subgraph of the states owing the instance (iterative Tarjan).
 * A violation is a lasso: the moves from the root to a state of the loop (a
 * shortest such path: parents of the breadth-first search) and the moves of
 * the loop (none for a stutter).
 */

export type { MoveKind };
/** A move of the search (sim/search.ts). */
export type ObservedMove = Move;

/**
 * The fairness id of a move, or null for a move nobody is obliged to take. An
 * internal event's id is its canonical text: its type, its actor and, for
 * `kill.processed`, `noRestart` (every field model/event.ts gives one).
 */
export function fairnessKey(m: ObservedMove): string | null {
  if (m.kind === "internal") {
    const e = m.event as { readonly type: string; readonly actor: string; readonly noRestart?: boolean };
    return e.noRestart === undefined ? `${e.type} ${e.actor}` : `${e.type} ${e.actor} ${e.noRestart}`;
  }
  if (m.kind === "continue") return `continue:${(m.event as { caller: string }).caller}`;
  // A stopped GCS starts again: a run may not leave it stopped forever (its operator restarts it).
  if (m.event.type === "startGcs") return "startGcs";
  return null;
}

/** A violation of an `eventually` law: a stem and a loop, as indices into each state's moves (the order the search lists them). */
export interface Lasso {
  /** The obligation instance kept owed forever, e.g. `kill:a1:no_restart:j1`. */
  readonly instance: string;
  /** Moves from the initial state to the first state of the loop. */
  readonly stem: readonly number[];
  /** Moves from that state around the loop back to it; empty when the run stops there (no fair move is enabled). */
  readonly loop: readonly number[];
}

export interface LivenessOutcome {
  readonly law: string;
  readonly kind: "eventually";
  readonly sentence: string;
  readonly companion: string;
  /** `vacuous`: held, but the companion was never reached. */
  readonly verdict: "held" | "violated" | "vacuous";
  /** The depth of the first state where the companion holds, or null. */
  readonly reachedAtDepth: number | null;
  readonly lasso?: Lasso;
}

export interface LivenessResult {
  readonly laws: readonly LivenessOutcome[];
  /** What the graph held: states, edges, interned obligation instances and fairness ids, and the bytes of its arrays. */
  readonly graph: { readonly states: number; readonly edges: number; readonly instances: number; readonly fairIds: number; readonly bytes: number };
}

/** What the laws owe in one state (obligation instance ids) and the companions it reaches (law indices). */
interface Digest {
  readonly owed: readonly number[];
  readonly reached: readonly number[];
}

/** Watches a search (a SearchObserver of sim/search.ts) and decides the liveness laws when it is done. */
export interface LivenessObserver extends SearchObserver {
  /** A state seen (the search core gives `digested` the memoized `digest` instead). */
  state(index: number, state: State): void;
  edge(from: number, move: number, to: number, m: ObservedMove): void;
  /**
   * Decides every law on the graph seen so far (call it after a complete
   * search); `path` gives the search's moves from the root to a state (its
   * breadth-first parents: a shortest path).
   */
  finish(path: (index: number) => number[]): LivenessResult;
}

/** What a lasso says, in words: the instance kept owed, the stem's length and the loop (or the stop). */
export function lassoMessage(lasso: Lasso): string {
  const after = `after ${lasso.stem.length} model events`;
  return lasso.loop.length === 0
    ? `${lasso.instance} is owed ${after} and stays owed: no move that fairness forces is enabled there`
    : `${lasso.instance} is owed ${after} and stays owed around a fair loop of ${lasso.loop.length} events`;
}

/**
 * A lasso as a scenario of the public format, where one can be written:
 * the stem's commands settled (as for a safety counterexample,
 * checker/counterexample.ts), expecting what the correct model predicts, so
 * the file passes on the model and fails on the bug. `correct` is the
 * universe without the bug.
 */
export function lassoScenario(correct: Universe, bug: Bug, outcome: LivenessOutcome, stem: readonly ModelEvent[]): CounterexampleScenario | null {
  const lasso = outcome.lasso;
  if (lasso === undefined) return null;
  const which = bug.mutant !== undefined ? `the seeded bug ${bug.mutant}` : `the profile ${bug.profile}`;
  const why = bug.mutant !== undefined ? ` (${MUTANTS[bug.mutant].summary})` : "";
  return counterexampleScenario(
    correct, bug, stem, `Counterexample to ${outcome.law} under ${which}`,
    `written by rollcall check (profile ${correct.profile}) under ${which}${why}. The bug breaks the liveness law "${outcome.sentence}": ` +
      `${lassoMessage(lasso)}. Every expectation is what the correct model predicts, so the file passes on the model and fails on the bug.`,
  );
}

/** The liveness observer for these laws. */
export function livenessObserver(laws: readonly LivenessLaw[] = LIVENESS_LAWS): LivenessObserver {
  const instanceIds = new Map<string, number>();
  const instanceKey: string[] = [];
  const instanceLaw: number[] = [];
  const fairIds = new Map<string, number>();
  // Per state: its owed instances, in rows (owedStart, owed).
  const owedStart = new IntColumn();
  const owed = new IntColumn();
  // Edges in rows: the search expands states in index order, each state's moves in order.
  const edgeStart = new IntColumn();
  const edgeTo = new IntColumn();
  // An edge's move number is its place in its row while the search reports every move (no step passed over): kept only once one is not.
  let edgeMove: IntColumn | null = null;
  const edgeFair = new IntColumn();
  const reachedAt = laws.map(() => -1);
  let states = 0;
  let expanding = -1;

  const intern = (law: number, key: string): number => {
    const k = `${law}\u0000${key}`;
    let id = instanceIds.get(k);
    if (id === undefined) {
      id = instanceKey.length;
      instanceIds.set(k, id);
      instanceKey.push(key);
      instanceLaw.push(law);
    }
    return id;
  };

  // What the laws owe in a state and which companions it reaches: a pure function of the state (the search core keeps it in a memo table).
  const digest = (state: State): Digest => {
    const ids: number[] = [];
    const reached: number[] = [];
    for (let l = 0; l < laws.length; l++) {
      const law = laws[l]!;
      for (const key of law.owed(state)) ids.push(intern(l, key));
      if (law.reached(state)) reached.push(l);
    }
    return { owed: ids, reached };
  };
  const digested = (index: number, d: Digest): void => {
    if (index !== states) throw new Error(`liveness: state ${index} came after ${states - 1} (states must come in index order)`);
    states++;
    owedStart.push(owed.length);
    for (const id of d.owed) owed.push(id);
    for (const l of d.reached) if (reachedAt[l] === -1) reachedAt[l] = index;
  };
  // A move's fairness id, by the move (the search core lists the same move objects again).
  const fairOf = new WeakMap<object, number>();

  return {
    digest,
    digested: (index, d) => digested(index, d as Digest),
    state(index, state) {
      digested(index, digest(state));
    },
    edge(from, move, to, m) {
      if (from < expanding) throw new Error(`liveness: an edge of state ${from} came after those of state ${expanding}`);
      for (; expanding < from; expanding++) edgeStart.push(edgeTo.length);
      edgeTo.push(to);
      const place = edgeTo.length - 1 - edgeStart.at(from);
      if (edgeMove === null && move !== place) edgeMove = placesSoFar(edgeStart, from, edgeTo.length - 1);
      edgeMove?.push(move);
      let fair = fairOf.get(m);
      if (fair === undefined) {
        const key = fairnessKey(m);
        fair = -1;
        if (key !== null) {
          fair = fairIds.get(key) ?? -1;
          if (fair === -1) {
            fair = fairIds.size;
            fairIds.set(key, fair);
          }
        }
        fairOf.set(m, fair);
      }
      edgeFair.push(fair);
    },
    finish(path) {
      for (; expanding <= states; expanding++) edgeStart.push(edgeTo.length);
      owedStart.push(owed.length);
      const bytes = [owedStart, owed, edgeStart, edgeTo, edgeFair, ...(edgeMove === null ? [] : [edgeMove])].reduce((n, v) => n + v.bytes, 0);
      const moves = ints(edgeMove ?? placesSoFar(edgeStart, states, edgeTo.length));
      const graph: Graph = {
        n: states, edgeStart: ints(edgeStart), edgeTo: ints(edgeTo), edgeMove: moves, edgeFair: ints(edgeFair), fairIds: fairIds.size, path,
      };
      const lassos = analyse(graph, ints(owedStart), ints(owed), instanceKey, instanceLaw, laws.length);
      return {
        laws: laws.map((law, l): LivenessOutcome => {
          const lasso = lassos[l];
          const reachedAtDepth = reachedAt[l] === -1 ? null : path(reachedAt[l]!).length;
          const verdict = lasso !== undefined ? "violated" : reachedAtDepth === null ? "vacuous" : "held";
          return { law: law.name, kind: "eventually", sentence: law.sentence, companion: law.companion, verdict, reachedAtDepth, ...(lasso === undefined ? {} : { lasso }) };
        }),
        graph: { states, edges: edgeTo.length, instances: instanceKey.length, fairIds: fairIds.size, bytes },
      };
    },
  };
}

interface Graph {
  readonly n: number;
  /** Row starts: the edges of state s are edgeStart[s] .. edgeStart[s + 1] - 1. */
  readonly edgeStart: Int32Array;
  readonly edgeTo: Int32Array;
  readonly edgeMove: Int32Array;
  /** The fairness id of each edge, -1 for none. */
  readonly edgeFair: Int32Array;
  readonly fairIds: number;
  /** The search's moves from the root to a state. */
  readonly path: (index: number) => number[];
}

/** The place of each of the first `edges` edges in its row (rows of states up to `last`). */
function placesSoFar(edgeStart: IntColumn, last: number, edges: number): IntColumn {
  const out = new IntColumn();
  for (let s = 0; s <= last && s < edgeStart.length; s++) {
    const end = s + 1 < edgeStart.length ? Math.min(edgeStart.at(s + 1), edges) : edges;
    for (let e = edgeStart.at(s); e < end; e++) out.push(e - edgeStart.at(s));
  }
  return out;
}

/** A column's values as a typed array. */
function ints(column: IntColumn): Int32Array {
  const out = new Int32Array(column.length);
  for (let i = 0; i < out.length; i++) out[i] = column.at(i);
  return out;
}

/**
 * For each law, the shortest lasso found over its instances (fewest moves in
 * stem and loop, then the shorter stem), or undefined when the law holds.
 */
function analyse(
  g: Graph, owedStart: Int32Array, owed: Int32Array, instanceKey: readonly string[], instanceLaw: readonly number[], lawCount: number,
): (Lasso | undefined)[] {
  const n = g.n;
  const instances = instanceKey.length;
  // The states owing each instance, in compressed rows (states ascending, so by depth).
  const count = new Int32Array(instances + 1);
  for (let s = 0; s < n; s++) for (let k = owedStart[s]!; k < owedStart[s + 1]!; k++) count[owed[k]! + 1]!++;
  for (let i = 0; i < instances; i++) count[i + 1]! += count[i]!;
  const rows = new Int32Array(count[instances]!);
  const fill = count.slice(0, instances);
  for (let s = 0; s < n; s++) for (let k = owedStart[s]!; k < owedStart[s + 1]!; k++) rows[fill[owed[k]!]!++] = s;

  const fairDegree = new Int32Array(n);
  for (let s = 0; s < n; s++) for (let e = g.edgeStart[s]!; e < g.edgeStart[s + 1]!; e++) if (g.edgeFair[e]! >= 0) fairDegree[s]!++;

  const best: (Lasso | undefined)[] = Array.from({ length: lawCount }, () => undefined);
  const better = (law: number, lasso: Lasso): void => {
    const old = best[law];
    const size = (l: Lasso) => l.stem.length + l.loop.length;
    if (old === undefined || size(lasso) < size(old) || (size(lasso) === size(old) && lasso.stem.length < old.stem.length)) best[law] = lasso;
  };

  const member = new Int32Array(n).fill(-1); // member[s] = i while s owes the instance i under analysis
  const scc = new Sccs(g, member);
  for (let i = 0; i < instances; i++) {
    const from = count[i]!;
    const to = count[i + 1]!;
    for (let k = from; k < to; k++) member[rows[k]!] = i;
    // A stutter: the first (shallowest) owing state with no fair move enabled.
    for (let k = from; k < to; k++) {
      const s = rows[k]!;
      if (fairDegree[s] === 0) {
        better(instanceLaw[i]!, { instance: instanceKey[i]!, stem: g.path(s), loop: [] });
        break;
      }
    }
    for (const loop of scc.fairLoops(i, rows.subarray(from, to))) {
      better(instanceLaw[i]!, { instance: instanceKey[i]!, stem: g.path(loop.entry), loop: loop.moves });
    }
  }
  return best;
}

/**
 * Strongly connected sets of the subgraph of one instance's owing states,
 * found by an iterative Tarjan, and a fair loop through each fair one.
 */
class Sccs {
  private readonly index: Int32Array;
  private readonly low: Int32Array;
  private readonly seen: Int32Array;
  private readonly onStack: Uint8Array;
  private readonly comp: Int32Array;
  private readonly enabledCount: Int32Array;
  private readonly enabledStamp: Int32Array;
  private readonly takenIn: Int32Array;
  private comps = 0;
  private stamps = 0;

  constructor(private readonly g: Graph, private readonly member: Int32Array) {
    const n = g.n;
    this.index = new Int32Array(n);
    this.low = new Int32Array(n);
    this.seen = new Int32Array(n).fill(-1);
    this.onStack = new Uint8Array(n);
    this.comp = new Int32Array(n).fill(-1);
    this.enabledCount = new Int32Array(g.fairIds);
    this.enabledStamp = new Int32Array(g.fairIds).fill(-1);
    this.takenIn = new Int32Array(g.fairIds).fill(-1);
  }

  /** A fair loop (entry state and moves) for each fair strongly connected set of the instance's states. */
  fairLoops(instance: number, states: Int32Array): { entry: number; moves: number[] }[] {
    const { g, member, index, low, seen, onStack } = this;
    const out: { entry: number; moves: number[] }[] = [];
    let counter = 0;
    const stack: number[] = [];
    const calls: number[] = []; // pairs: state, next edge
    for (const root of states) {
      if (seen[root] === instance) continue;
      const open = (v: number): void => {
        seen[v] = instance;
        index[v] = low[v] = counter++;
        stack.push(v);
        onStack[v] = 1;
        calls.push(v, g.edgeStart[v]!);
      };
      open(root);
      while (calls.length > 0) {
        const top = calls.length - 2;
        const v = calls[top]!;
        const e = calls[top + 1]!;
        if (e < g.edgeStart[v + 1]!) {
          calls[top + 1] = e + 1;
          const w = g.edgeTo[e]!;
          if (member[w] !== instance) continue;
          if (seen[w] !== instance) open(w);
          else if (onStack[w] === 1 && index[w]! < low[v]!) low[v] = index[w]!;
          continue;
        }
        calls.length = top;
        if (calls.length > 0) {
          const u = calls[calls.length - 2]!;
          if (low[v]! < low[u]!) low[u] = low[v]!;
        }
        if (low[v] !== index[v]) continue;
        const members: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          members.push(w);
        } while (w !== v);
        const loop = this.fairLoop(members);
        if (loop !== null) out.push(loop);
      }
    }
    return out;
  }

  /** A fair loop through the set, from its first state (the shallowest: states come in breadth-first order), or null when the set has no cycle or is not fair. */
  private fairLoop(members: readonly number[]): { entry: number; moves: number[] } | null {
    const { g, comp } = this;
    const c = this.comps++;
    for (const s of members) comp[s] = c;
    let cyclic = members.length > 1;
    if (!cyclic) {
      const s = members[0]!;
      for (let e = g.edgeStart[s]!; e < g.edgeStart[s + 1]!; e++) if (g.edgeTo[e] === s) cyclic = true;
    }
    if (!cyclic) return null;
    // Unfair: some fair id is enabled in every state of the set and taken by none of its edges.
    if (this.unfairIn(members, () => true).length > 0) return null;
    let entry = members[0]!;
    for (const s of members) if (s < entry) entry = s;
    // The shortest cycle through the entry, then detours until the loop is fair by itself.
    let loop = this.path(entry, entry, c, true)!;
    for (;;) {
      const onLoop = new Set(loop.edges);
      const unfair = this.unfairIn([...new Set(loop.states)], (e) => onLoop.has(e));
      if (unfair.length === 0) break;
      const f = unfair[0]!;
      // Either f is disabled in some state of the set (go there), or an edge of the set takes it (go take it).
      let detour: Path | null = null;
      for (const s of members) {
        if (this.enables(s, f)) continue;
        const there = this.path(entry, s, c, false)!;
        const back = this.path(s, entry, c, false)!;
        detour = join(there, back);
        break;
      }
      if (detour === null) {
        outer: for (const s of members) {
          for (let e = g.edgeStart[s]!; e < g.edgeStart[s + 1]!; e++) {
            if (g.edgeFair[e] !== f || comp[g.edgeTo[e]!] !== c) continue;
            const there = this.path(entry, s, c, false)!;
            const step = { states: [s, g.edgeTo[e]!], edges: [e], moves: [g.edgeMove[e]!] };
            const back = this.path(g.edgeTo[e]!, entry, c, false)!;
            detour = join(join(there, step), back);
            break outer;
          }
        }
      }
      if (detour === null) throw new Error("liveness: a fair set without a way to take its fair move");
      loop = join(detour, loop);
    }
    return { entry, moves: loop.moves };
  }

  private enables(s: number, f: number): boolean {
    const g = this.g;
    for (let e = g.edgeStart[s]!; e < g.edgeStart[s + 1]!; e++) if (g.edgeFair[e] === f) return true;
    return false;
  }

  /**
   * The fair ids enabled in every one of the states given (which lie in one
   * set) and taken by none of the set's edges that `inside` accepts.
   */
  private unfairIn(states: readonly number[], inside: (edge: number) => boolean): number[] {
    const { g, comp, enabledCount, enabledStamp, takenIn } = this;
    const c = comp[states[0]!]!;
    const touched: number[] = [];
    const round = this.stamps;
    for (const s of states) {
      const stamp = this.stamps++;
      for (let e = g.edgeStart[s]!; e < g.edgeStart[s + 1]!; e++) {
        const f = g.edgeFair[e]!;
        if (f < 0) continue;
        if (enabledStamp[f]! < round) {
          enabledCount[f] = 0;
          takenIn[f] = -1;
          touched.push(f);
        }
        if (enabledStamp[f] !== stamp) {
          enabledStamp[f] = stamp;
          enabledCount[f]!++;
        }
        if (comp[g.edgeTo[e]!] === c && inside(e)) takenIn[f] = round;
      }
    }
    return touched.filter((f) => enabledCount[f] === states.length && takenIn[f] !== round);
  }

  /** A shortest path inside set c from a to b (at least one move when `cycle`), by breadth-first search. */
  private path(a: number, b: number, c: number, cycle: boolean): Path | null {
    const { g, comp } = this;
    if (a === b && !cycle) return { states: [a], edges: [], moves: [] };
    const via = new Map<number, number>(); // state -> the edge that reached it
    const from = new Map<number, number>(); // state -> the state that edge leaves
    const queue: number[] = [a];
    if (!cycle) via.set(a, -1);
    for (let q = 0; q < queue.length; q++) {
      const v = queue[q]!;
      for (let e = g.edgeStart[v]!; e < g.edgeStart[v + 1]!; e++) {
        const w = g.edgeTo[e]!;
        if (comp[w] !== c || via.has(w)) continue;
        via.set(w, e);
        from.set(w, v);
        if (w === b) {
          const edges: number[] = [];
          const states: number[] = [b];
          let x = b;
          do {
            edges.push(via.get(x)!);
            x = from.get(x)!;
            states.push(x);
          } while (x !== a);
          edges.reverse();
          states.reverse();
          return { states, edges, moves: edges.map((k) => g.edgeMove[k]!) };
        }
        queue.push(w);
      }
    }
    return null;
  }
}

interface Path {
  readonly states: number[];
  readonly edges: number[];
  readonly moves: number[];
}

function join(a: Path, b: Path): Path {
  return { states: [...a.states, ...b.states.slice(1)], edges: [...a.edges, ...b.edges], moves: [...a.moves, ...b.moves] };
}

/** A violated liveness law with its lasso as events. */
export interface LivenessViolation {
  readonly law: string;
  readonly sentence: string;
  readonly instance: string;
  readonly message: string;
  /** Events from the initial state to the first state of the loop. */
  readonly stem: readonly ModelEvent[];
  /** Events around the loop back to that state; empty: the run stays there. */
  readonly loop: readonly ModelEvent[];
}

/** `check` with the liveness laws: the search's result, and the laws decided on its graph. */
export interface LivenessCheck {
  readonly result: CheckResult;
  /** The liveness laws decided, or null when they could not be (the search stopped early or found a safety violation): `undecided` says why. */
  readonly liveness: LivenessResult | null;
  readonly undecided?: string;
  /** Each violated liveness law, its lasso replayed as events. */
  readonly violations: readonly LivenessViolation[];
}

/**
 * Checks a universe (checker/explore.ts `checkPaced`) with the liveness
 * observer watching, then decides the liveness laws on the graph. They are
 * decided only on a complete graph: after a search that ended `ok` and passed
 * nothing over. Symmetry and partial-order reduction drop states or moves the
 * analysis needs (a fair move left out looks disabled), so they are refused.
 */
export function* checkLivenessPaced(universe: Universe, options: CheckOptions = {}, laws: readonly LivenessLaw[] = LIVENESS_LAWS): Paced<LivenessCheck> {
  if (options.symmetry === true) throw new RangeError("the liveness laws need the full graph: run them without symmetry reduction");
  if (options.reduction !== undefined) throw new RangeError("the liveness laws need every move: run them without partial-order reduction");
  const observer = livenessObserver(laws);
  const outer = options.observer;
  // With a watcher of its own, every state is rebuilt for both (no digest).
  const both: SearchObserver = outer === undefined ? observer : {
    state(i, s) {
      outer.state?.(i, s);
      observer.state(i, s);
    },
    edge(f, m, t, mv) {
      outer.edge?.(f, m, t, mv);
      observer.edge(f, m, t, mv);
    },
  };
  const result = yield* checkPaced(universe, { ...options, observer: both });
  const undecided = result.verdict === "incomplete" ? "the search stopped early"
    : result.verdict === "violation" ? "a safety law was violated first"
    : result.passedOver !== undefined ? "violating steps were passed over, so the graph is not whole" : null;
  if (undecided !== null) return { result, liveness: null, undecided, violations: [] };
  const liveness = observer.finish(result.path);
  const space = universeSpace(universe);
  const violations = liveness.laws.flatMap((l): LivenessViolation[] => {
    if (l.lasso === undefined) return [];
    const events = replayPath(space, [...l.lasso.stem, ...l.lasso.loop]).events;
    return [{
      law: l.law, sentence: l.sentence, instance: l.lasso.instance, message: lassoMessage(l.lasso),
      stem: events.slice(0, l.lasso.stem.length), loop: events.slice(l.lasso.stem.length),
    }];
  });
  return { result, liveness, violations };
}

/** `checkLivenessPaced`, run to the end. */
export function checkLiveness(universe: Universe, options: CheckOptions = {}, laws: readonly LivenessLaw[] = LIVENESS_LAWS): LivenessCheck {
  return drainSync(checkLivenessPaced(universe, options, laws));
}
