import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { LAWS, type State } from "../model/index.js";
import { chartEdges, lawEvaluators, lawNoter, universeSpace } from "./explore.js";
import { Columns, PAUSE, STOP, SharedTable, claimOf, type Order } from "./parallel.js";
import { Expander, replayPath, type NodeRef } from "../sim/search.js";
import { hashOut } from "../sim/table.js";
import type { Vec } from "../sim/tabled.js";
import type { DriverSlot, Universe } from "./universe.js";

/**
 * A worker thread of `checkParallel` (checker/parallel.ts): it expands its
 * slice of each frontier level with the search core's own expansion
 * (sim/search.ts's Expander: tabled states, the model's memo tables, the
 * laws' memoized judges) and claims successors in the shared table; see
 * there for the protocol. Its states are vectors of its own tables; those
 * handed to another worker travel as plain states.
 */

/** Messages from the coordinator. */
export type ToWorker =
  /** Expand this level's slice (or go on after a pause, with a larger table). */
  | { readonly type: "expand"; readonly depth: number; readonly table: SharedArrayBuffer; readonly resume?: boolean }
  /** Keep the successors whose claims won (none smaller came later). */
  | { readonly type: "resolve" }
  /**
   * Number the winners from `first` (those below `limit` only), write their
   * parents and moves, and hand states over so that worker v holds
   * [slices[v], slices[v + 1]) (null: the search ends). Worker w's winners
   * are [owners[w], owners[w + 1]).
   */
  | {
    readonly type: "settle"; readonly first: number; readonly limit: number;
    readonly parents: SharedArrayBuffer; readonly moves: SharedArrayBuffer;
    readonly slices: readonly number[] | null; readonly owners: readonly number[];
  };

/** What a worker's slice of a level held, in the sequential order. */
export interface Level {
  /** Transitions through each node of the slice (cumulative). */
  readonly cumulative: Int32Array;
  readonly violations: { readonly p: number; readonly m: number; readonly law: string; readonly message: string }[];
  /** What went wrong in rollcall at a transition (the slice was not expanded past it). */
  readonly errors: { readonly p: number; readonly m: number; readonly error: string }[];
  /** Companions and chart edges first reached in this worker, with where. */
  readonly companions: [string, Order][];
  readonly coverage: [string, Order][];
}

export type FromWorker =
  | { readonly type: "expanded"; readonly paused: boolean; readonly stopped: boolean; readonly transitions: number; readonly level?: Level }
  | { readonly type: "resolved"; readonly parents: Int32Array }
  | { readonly type: "settled" };

interface Candidate {
  readonly p: number;
  readonly m: number;
  /** The node's fingerprint (the claim's key) and its state's (the frontier's). */
  readonly hi: number;
  readonly lo: number;
  readonly sh: number;
  readonly sl: number;
  /** The parent's vector and the transition's writes (the vector itself is made for the winners only). */
  readonly parent: Vec;
  readonly writes: Int32Array;
  readonly pos: number;
}

const vecOf = (c: Candidate): Vec => t.applyWrites(c.parent, c.writes);

type Batch = { readonly first: number; readonly nodes: readonly { readonly state: State; readonly pos: readonly DriverSlot[] }[] };

const data = workerData as {
  universe: Universe; symmetry: boolean; laws: string[]; worker: number; ports: (MessagePort | null)[];
  control: SharedArrayBuffer; table: SharedArrayBuffer; parents: SharedArrayBuffer; moves: SharedArrayBuffer;
};
const space = universeSpace(data.universe, data.symmetry);
const control = new Int32Array(data.control);
let table = new SharedTable(data.table);
let columns = new Columns(new Int32Array(data.parents), new Int32Array(data.moves));
const laws = data.laws.map((name) => LAWS.find((l) => l.name === name)!);
const companions: Record<string, number | null> = Object.fromEntries(laws.map((l) => [l.name, null]));
const coverage: Record<string, boolean> = Object.fromEntries(chartEdges().map((e) => [e, false]));
const retired: boolean[] = [];
const note = lawNoter(laws, companions, coverage, retired);
/** The node being expanded (its index). */
const at = { p: 0 };
// The search core's own expansion of a node (sim/search.ts), with its memo tables, judged by the laws: a violation is
// noted with where it happened and not followed (the coordinator decides, in order, whether it ends the search).
const ex = new Expander(space, {
  pureJudge: {
    evaluators: lawEvaluators(laws),
    retired,
    act(values) {
      const broken = note(values, () => 0);
      noteFirsts(at.p, ex.move);
      if (broken === null) return null;
      level.violations.push({ p: at.p, m: ex.move, law: broken.law.name, message: broken.message });
      return "skip";
    },
  },
}, (index) => replayPath(space, columns.path(index)).events);
const t = ex.t;

/** A state and positions handed over (or the root), as a node of this worker's tables. */
function nodeOf(index: number, state: State, pos: readonly DriverSlot[]): NodeRef {
  const vec = t.pack(state);
  const id = ex.tab.posId(pos);
  // After posId, which hashes a new position's key into hashOut too.
  t.fingerprint(vec);
  return { index, pos: id, hi: hashOut.hi, lo: hashOut.lo, vec };
}

let owned: NodeRef[] = data.worker === 0 ? [nodeOf(0, space.root, space.start)] : [];
let candidates: Candidate[] = [];
let winners: Candidate[] = [];
// The level being expanded: the next node of the slice, and what was seen so far.
let next = 0;
let transitions = 0;
let cumulative = new Int32Array(0);
let level: Omit<Level, "cumulative"> = { violations: [], errors: [], companions: [], coverage: [] };

/** States handed over by the other workers, by sender, until the settle that expects them. */
const inbox = new Map<number, Batch>();
let arrived: (() => void) | null = null;
data.ports.forEach((port, from) => {
  port?.on("message", (m: Batch) => {
    inbox.set(from, m);
    arrived?.();
  });
});

/** Records the companions and chart edges the judge has just marked for the first time in this worker, at (p, m). */
const notedLaws = new Set<string>();
const notedEdges = new Set<string>();
const edges = Object.keys(coverage);
function noteFirsts(p: number, m: number): void {
  if (notedLaws.size < laws.length) {
    for (const law of laws) {
      if (companions[law.name] !== null && !notedLaws.has(law.name)) {
        notedLaws.add(law.name);
        level.companions.push([law.name, { p, m }]);
      }
    }
  }
  if (notedEdges.size < edges.length) {
    for (const edge of edges) {
      if (coverage[edge] && !notedEdges.has(edge)) {
        notedEdges.add(edge);
        level.coverage.push([edge, { p, m }]);
      }
    }
  }
}

/** Expands the slice from `next` on, until its end, a pause (a larger table is coming), a stop, or an error. */
function expand(depth: number): FromWorker {
  const visited = (): boolean => false;
  while (next < owned.length) {
    if (Atomics.load(control, STOP) !== 0) return { type: "expanded", paused: false, stopped: true, transitions };
    if (Atomics.load(control, PAUSE) !== 0) return { type: "expanded", paused: true, stopped: false, transitions };
    const node = owned[next]!;
    at.p = node.index;
    const before = ex.transitions;
    let r: ReturnType<typeof ex.expand>;
    try {
      r = ex.expand(node, depth, visited);
    } catch (e) {
      level.errors.push({ p: node.index, m: ex.move, error: (e as Error).message });
      return finished();
    }
    transitions += ex.transitions - before;
    if ("stop" in r) {
      // The universe's space has no expectations and no ends that fail: what stops here is an error of the model.
      const error = r.stop.verdict === "error" ? r.stop.error! : "the universe has no expectations to fail";
      level.errors.push({ p: node.index, m: ex.move, error });
      return finished();
    }
    for (const c of r.pending) {
      const { m, hi, lo } = c;
      if (table.claim(hi, lo, claimOf(node.index, m), control) === -1) {
        candidates.push({ p: node.index, m, hi, lo, sh: c.sh, sl: c.sl, parent: node.vec, writes: c.writes, pos: c.pos });
      }
    }
    cumulative[next] = transitions;
    next++;
  }
  return finished();
}

function finished(): FromWorker {
  next = owned.length;
  return { type: "expanded", paused: false, stopped: false, transitions, level: { cumulative, ...level } };
}

/** Numbers the winners, writes their parents and moves, settles them in the table, and hands states over for the next slices. */
async function settle(m: Extract<ToWorker, { type: "settle" }>): Promise<void> {
  if (m.parents !== columns.parents.buffer) columns = new Columns(new Int32Array(m.parents), new Int32Array(m.moves));
  winners.forEach((c, i) => {
    const index = m.first + i;
    if (index >= m.limit) return;
    columns.parents[index] = c.p;
    columns.moves[index] = c.m;
    table.settle(c.hi, c.lo, index);
  });
  if (m.slices === null) {
    owned = [];
    winners = [];
    return;
  }
  const me = data.worker;
  const [from, to] = [m.slices[me]!, m.slices[me + 1]!];
  const mine: NodeRef[] = [];
  winners.forEach((c, i) => {
    const index = m.first + i;
    if (index >= from && index < to) mine.push({ index, pos: c.pos, hi: c.sh, lo: c.sl, vec: vecOf(c) });
  });
  // Hand over what falls in another worker's slice; take what falls in mine.
  const workers = m.slices.length - 1;
  const expecting: number[] = [];
  for (let v = 0; v < workers; v++) {
    if (v === me) continue;
    const lo = Math.max(m.first, m.slices[v]!);
    const hi = Math.min(m.owners[me + 1]!, m.slices[v + 1]!);
    if (lo < hi) data.ports[v]!.postMessage({ first: lo, nodes: winners.slice(lo - m.first, hi - m.first).map((c) => ({ state: t.materialize(vecOf(c)), pos: ex.tab.pos(c.pos) })) } satisfies Batch);
    if (Math.max(from, m.owners[v]!) < Math.min(to, m.owners[v + 1]!)) expecting.push(v);
  }
  winners = [];
  while (!expecting.every((v) => inbox.has(v))) await new Promise<void>((resolve) => (arrived = resolve));
  arrived = null;
  for (const v of expecting) {
    const batch = inbox.get(v)!;
    inbox.delete(v);
    batch.nodes.forEach((n, i) => mine.push(nodeOf(batch.first + i, n.state, n.pos)));
  }
  mine.sort((a, b) => a.index - b.index);
  owned = mine;
}

parentPort!.on("message", async (m: ToWorker) => {
  if (m.type === "expand") {
    if (m.table !== table.buffer) table = new SharedTable(m.table);
    if (m.resume !== true) {
      next = 0;
      transitions = 0;
      cumulative = new Int32Array(owned.length);
      level = { violations: [], errors: [], companions: [], coverage: [] };
      candidates = [];
    }
    parentPort!.postMessage(expand(m.depth));
    return;
  }
  if (m.type === "resolve") {
    winners = candidates.filter((c) => table.claimAt(c.hi, c.lo) === claimOf(c.p, c.m));
    candidates = [];
    const parents = Int32Array.from(winners, (c) => c.p);
    parentPort!.postMessage({ type: "resolved", parents } satisfies FromWorker, [parents.buffer]);
    return;
  }
  await settle(m);
  parentPort!.postMessage({ type: "settled" } satisfies FromWorker);
});
