import {
  clusterSettled, crashable, answerOf, applyInPlace, commandEnabled, firstInternalEvent, groupInternalEvents, internalEventGroups, transition, type LawStep,
  type Command, type ModelEvent, type Observation, type State, type Transition,
} from "../model/index.js";
import { Pacer, type Paced } from "./pace.js";
import { FingerprintTable, IntColumn, collisionOdds, hashOut, hashText } from "./table.js";
import { Tabler, lengthWith, type ApplyLeaf, type Memo, type StatesOf, type Vec } from "./tabled.js";

/**
 * The one search core: a bounded breadth-first search over (model state,
 * callers' positions), used by `rollcall check`, the parallel blocks of
 * scenarios, the race oracle of `fuzz --race`, interleaved explanations and
 * counterexample search. What a move is and how a caller advances are
 * decided here once; a `Space` only says which commands its callers have
 * next and what an answer does to their positions. The outcome (`ok`,
 * `violation`, `incomplete`, `error`) is decided here too: a blown bound is
 * never a pass.
 *
 * States are tabled (sim/tabled.ts): vectors of interned slot values, their
 * successors the model's own `apply` kept in memo tables by what it read,
 * moves and judgements likewise. They are told apart by 64-bit fingerprints
 * in a typed-array table (sim/table.ts); a state's parent and move number
 * are two integers, so only the frontier holds states (one Int32Array per
 * level), and a path is rebuilt by replaying its move numbers from the root
 * (`replayPath`, on the model's object states).
 */

export type MoveKind = "command" | "continue" | "internal" | "crash";

/** One move of a state: the event, what kind of move it is, and the lane (a driver, a list) it belongs to (null: the cluster's). */
export interface Move {
  readonly event: ModelEvent;
  readonly kind: MoveKind;
  readonly lane: number | null;
}

/** What a space's judge sees of each transition. */
export interface SearchStep<P> {
  readonly before: State;
  readonly pos: P;
  readonly move: Move;
  readonly after: State;
  readonly observations: readonly Observation[];
  /** No internal event is enabled after the step. */
  readonly settled: boolean;
  /** Events from the root to `before` (rebuilt by replay: call only when needed). */
  path(): ModelEvent[];
  /** The number of events from the root to `after`. */
  readonly depth: number;
}

/** A space of runs: where its callers start, what they may do next, what an answer does to them. */
export interface Space<P, F> {
  readonly root: State;
  readonly start: P;
  /**
   * The commands each lane would start next, as (lane, caller, commands):
   * the core turns them into moves (a caller with a command in flight takes
   * its next atomic step instead; a command waits while the model says so).
   */
  lanes(state: State, pos: P, out: LaneWish[]): void;
  /** Crashes of live actors are moves too (`rollcall check` with faults). */
  readonly crashes?: boolean;
  /** The lanes' positions after a transition, or a failure (an expectation broken on this path). */
  advance(step: SearchStep<P>): { readonly pos: P } | { readonly failure: F };
  /** Text that tells positions apart (with the state's fingerprint, the node's identity; the core numbers positions by it). */
  posKey(pos: P): string;
  /** A node's own 64-bit key, left in hashOut, instead of its state's fingerprint and its positions' key (symmetry reduction: it folds the positions in), if any. */
  stateKey?(state: State, pos: P): void;
  /** Asked about a node without moves: a failure (a deadlock), or null (an end). */
  end?(state: State, pos: P, path: () => ModelEvent[]): F | null;
  /**
   * `advance` reads nothing but the positions, the move and the
   * observations (and never fails), so the core files its answer per
   * (positions, tabled transition) and does not rebuild states for it.
   */
  readonly pureAdvance?: boolean;
}

/** One lane's wish: its caller (null for steps with none, such as a crash) and the commands it may start, in order. */
export interface LaneWish {
  readonly lane: number;
  readonly caller: string | null;
  readonly commands: readonly ModelEvent[] | (() => readonly ModelEvent[]);
}

/** Watches a search: every state once, every transition once (states expanded in index order). */
export interface SearchObserver {
  /** Every state, rebuilt (costly: prefer `digest`; not called when there is one). */
  state?(index: number, state: State): void;
  /** A pure function of a state, kept in a memo table over what it reads (sim/tabled.ts): its value for every state goes to `digested`. */
  digest?(state: State): unknown;
  digested?(index: number, digest: unknown): void;
  edge?(from: number, move: number, to: number, m: Move): void;
}

export interface PureJudge<P, F> {
  /** Each a pure function of the step, kept in a memo table of its own (the fewer things one reads, the more often it is found there). */
  readonly evaluators: readonly ((step: LawStep) => unknown)[];
  /** Evaluators whose values no longer matter (`retired[i]` true): the core no longer runs them, their value is undefined. */
  readonly retired?: readonly boolean[];
  /** `values[i]` is evaluator i's value (the array is reused: read it, do not keep it). */
  act(values: readonly unknown[], step: () => SearchStep<P>): F | "skip" | null;
}

/** Partial-order reduction: indices (ascending) of a subset of a state's moves that is enough, or null for all; a pure function of the state and positions (the core keeps it in a memo table). */
export interface Reduction {
  ample(state: State, moves: readonly Move[], pos?: unknown): readonly number[] | null;
  /** The space has no cycles (every move uses something up), so a reduced set closing on a visited state is kept: no cycle proviso. */
  readonly acyclic?: boolean;
}

export interface SearchProgress {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly frontier: number;
}

export interface SearchOptions<P, F> {
  readonly maxStates?: number;
  readonly maxMillis?: number;
  readonly maxMemoryMB?: number;
  readonly memoryMB?: () => number;
  readonly now?: () => number;
  /** Stop at this depth (events from the root): nodes there are not expanded. */
  readonly maxDepth?: number;
  readonly progress?: (p: SearchProgress) => void;
  readonly progressEvery?: number;
  /**
   * Judges each transition: a failure ends the search (verdict `violation`),
   * `"skip"` passes over the step (its successor is not followed), null keeps going.
   */
  readonly judge?: (step: SearchStep<P>) => F | "skip" | null;
  /**
   * A judge in two parts: `evaluate`, a pure function of the step the core
   * keeps in a memo table (so it runs once per distinct thing it reads), and
   * `act`, which turns its value into the verdict (a failure, `"skip"`,
   * null) for each transition, with the full step on demand.
   */
  readonly pureJudge?: PureJudge<P, F>;
  /** Each end (a node without moves that `end` did not fail), with its full state. */
  readonly onEnd?: (state: State, pos: P, path: () => ModelEvent[]) => void;
  readonly observer?: SearchObserver;
  readonly reduction?: Reduction;
}

export type SearchVerdict = "ok" | "violation" | "incomplete" | "error";

export interface SearchResult<F> {
  readonly verdict: SearchVerdict;
  readonly bound?: "states" | "time" | "memory" | "depth";
  readonly failure?: F;
  /** The events of the failing path (verdict violation), the failing step included. */
  readonly trace?: readonly ModelEvent[];
  /** What went wrong inside rollcall (verdict error). */
  readonly error?: string;
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  /** The chance that two states shared a fingerprint (so one was never explored). */
  readonly collisionOdds: number;
  /** Bytes the visited table and the parent columns hold. */
  readonly tableBytes: number;
  /** States expanded without reduction because a reduced set closed a cycle (with `reduction`). */
  readonly fullyExpanded?: number;
  /** The move numbers from the root to a state (a path to rebuild by `replayPath`). */
  path(index: number): number[];
  /** The memo tables' figures (sim/tabled.ts): lookups found and missed, slots and values known, per table (`direct`: calls run without a table). */
  readonly tables: TableFigures;
}

export interface TableFigures {
  readonly hits: number;
  readonly misses: number;
  readonly slots: number;
  readonly values: number;
  readonly memos: Readonly<Record<string, { readonly hits: number; readonly misses: number; readonly reads: number; readonly direct: number }>>;
}

/** Every move of a node, in a fixed order: each lane's next step, then the internal events (actor by actor, then the kills), then crashes. */
export function movesOf<P, F>(space: Space<P, F>, state: State, pos: P): Move[] {
  const moves: Move[] = [];
  const lanes = laneCountOf(space, state, pos);
  for (let k = 0; k < lanes; k++) moves.push(...laneMovesOf(space, state, pos, k));
  const groups = internalEventGroups(state).map((g) => groupMovesOf(space, state, g));
  for (const g of groups) moves.push(...g.internal);
  for (const g of groups) if (g.crash !== null) moves.push(g.crash);
  return moves;
}

/** The parts `movesOf` is made of (the search core keeps each in a memo table of its own): how many lanes wish to move… */
function laneCountOf<P, F>(space: Space<P, F>, state: State, pos: P): number {
  const wishes: LaneWish[] = [];
  space.lanes(state, pos, wishes);
  return wishes.length;
}

/** …the k-th lane's moves… */
function laneMovesOf<P, F>(space: Space<P, F>, state: State, pos: P, k: number): Move[] {
  const wishes: LaneWish[] = [];
  space.lanes(state, pos, wishes);
  const out: Move[] = [];
  laneMoves(state, wishes[k]!, out);
  return out;
}

/** …and one group's internal events (an actor's, or the kills'), with the crash of the group's actor if it is ALIVE. */
function groupMovesOf<P, F>(space: Space<P, F>, state: State, group: string): { internal: Move[]; crash: Move | null } {
  const internal = groupInternalEvents(state, group).map((event): Move => ({ event, kind: "internal", lane: null }));
  const crash: Move | null = space.crashes === true && group !== "" && crashable(state, group)
    ? { event: { type: "actor.crashed", actor: group }, kind: "crash", lane: null } : null;
  return { internal, crash };
}

/**
 * A caller's next atomic step (the one rule every exploration uses): with a
 * command in flight, its continuation, once the model lets it move; else each
 * command it may start that the model lets start now. A crash step is always
 * enabled (its actor's liveness is the model's business when it is applied).
 */
export function laneMoves(state: State, wish: LaneWish, out: Move[]): void {
  if (wish.caller !== null && state.inflight[wish.caller] !== undefined) {
    const event: Command = { type: "continue", caller: wish.caller };
    if (commandEnabled(state, event)) out.push({ event, kind: "continue", lane: wish.lane });
    return;
  }
  for (const command of typeof wish.commands === "function" ? wish.commands() : wish.commands) {
    if (command.type === "actor.crashed" || command.type === "node.died") out.push({ event: command, kind: "crash", lane: wish.lane });
    else if (isCommandEvent(command) && commandEnabled(state, command)) out.push({ event: command, kind: "command", lane: wish.lane });
  }
}

function isCommandEvent(e: ModelEvent): e is Command {
  return !e.type.includes(".");
}

/** The hash of a positions' key text, left in hashOut. */
function hashPosition(key: string): void {
  hashText(key, 0x27d4eb2f);
}

/** The fingerprint of a node: its state's (tabled, sim/tabled.ts) mixed with the hash of its positions' key text; left in hashOut. */
function mixPosition(stateHi: number, stateLo: number, posHi: number, posLo: number): void {
  hashOut.hi = (stateHi ^ posHi) >>> 0;
  hashOut.lo = (stateLo + Math.imul(posLo, 0x9e3779b1) + posHi) >>> 0;
}

/**
 * A space's fingerprint function over full states, the one the search uses
 * (checker/worker.ts fingerprints the states it is sent with it): the tabled
 * fingerprint of the state, or the hash of the space's own key text
 * (symmetry), mixed with its positions' key; left in `hashOut`. Make one per
 * search.
 */
export function fingerprinter<P, F>(space: Space<P, F>): (state: State, pos: P) => void {
  const t = new Tabler(space.root);
  return (state, pos) => {
    if (space.stateKey !== undefined) {
      space.stateKey(state, pos);
      return;
    }
    t.fingerprint(t.pack(state));
    const hi = hashOut.hi;
    const lo = hashOut.lo;
    hashPosition(space.posKey(pos));
    mixPosition(hi, lo, hashOut.hi, hashOut.lo);
  };
}

/** The search core's tabled view of a space: positions as numbers, moves and transitions from memo tables of the model (sim/tabled.ts). */
export interface TabledSpace<P, F> {
  readonly tabler: Tabler;
  posId(pos: P): number;
  pos(id: number): P;
  /** A node's moves, and the memo key of each move's event. */
  moves(vec: Vec, pos: number, states: StatesOf): ListedMoves;
  /** The moves of a state a memo is looking at (for a reduction's judgement). */
  movesAt(state: State, pos: number): Move[];
  apply(vec: Vec, key: number, event: ModelEvent): TabledLeaf;
  /** A transition that showed a judge this (`TabledLeaf.seen`). */
  leaf(seen: number): TabledLeaf;
  step(states: NodeStates, pos: number, move: Move, leaf: TabledLeaf, depth: number, path: () => ModelEvent[]): SearchStep<P>;
  /** The positions after a transition (a number), or the space's failure. */
  advance(pos: number, move: Move, leaf: TabledLeaf, step: () => SearchStep<P>): number | { readonly failure: F };
  /** A node's fingerprint into hashOut: from its state's (hi, lo), or, with symmetry, from the state's key (the vector, or the parent's with writes). */
  nodeFingerprint(vec: Vec | null, hi: number, lo: number, pos: number, parent?: Vec, writes?: Int32Array): void;
  /** Bytes held by symmetry's keys of the nodes met (0 without a `stateKey`). */
  keyBytes(): number;
}

interface ListedMoves {
  readonly moves: readonly Move[];
  readonly keys: readonly number[];
}

/** A tabled transition with its event, and the number of what it shows a judge (its event and observations: `leaf(seen)`). */
type TabledLeaf = ApplyLeaf & { readonly event: ModelEvent; readonly seen: number };

function tabledSpace<P, F>(space: Space<P, F>): TabledSpace<P, F> {
  const t = new Tabler(space.root);
  const posIds = new Map<string, number>();
  const posVals: P[] = [];
  const posHi: number[] = [];
  const posLo: number[] = [];
  const posId = (pos: P): number => {
    const key = space.posKey(pos);
    let id = posIds.get(key);
    if (id === undefined) {
      id = posVals.length;
      posIds.set(key, id);
      posVals.push(pos);
      hashPosition(key);
      posHi.push(hashOut.hi);
      posLo.push(hashOut.lo);
    }
    return id;
  };
  const eventIds = new Numbering();
  const eventKey = (e: ModelEvent): number => eventIds.of(JSON.stringify(e));
  const listed = (moves: readonly Move[]): ListedMoves => ({ moves: moves.map((m) => ({ ...m, event: deepCopy(m.event) })), keys: moves.map((m) => eventKey(m.event)) });
  const laneCount = t.memo((state, _b, pos) => laneCountOf(space, state, posVals[pos]!), "lanes");
  const laneMemo = t.memo((state, _b, key) => listed(laneMovesOf(space, state, posVals[Math.floor(key / 64)]!, key % 64)), "lane");
  const groupIds = new Numbering();
  const groupsMemo = t.memo((state) => internalEventGroups(state).map((g) => groupIds.of(g)), "groups");
  const groupMemo = t.memo((state, _b, id) => {
    const g = groupMovesOf(space, state, groupIds.text(id));
    return { internal: listed(g.internal), crash: g.crash === null ? null : listed([g.crash]) };
  }, "group");
  const listMoves = (vec: Vec, pos: number, states: StatesOf): ListedMoves => {
    const moves: Move[] = [];
    const keys: number[] = [];
    const push = (l: ListedMoves): void => {
      for (let i = 0; i < l.moves.length; i++) {
        moves.push(l.moves[i]!);
        keys.push(l.keys[i]!);
      }
    };
    const lanes = laneCount(pos, vec, null, null, states);
    if (lanes > 63) throw new Error("the search core lists at most 63 lanes");
    for (let k = 0; k < lanes; k++) push(laneMemo(pos * 64 + k, vec, null, null, states));
    const groups = groupsMemo(0, vec, null, null, states).map((id) => groupMemo(id, vec, null, null, states));
    for (const g of groups) push(g.internal);
    for (const g of groups) if (g.crash !== null) push(g.crash);
    return { moves, keys };
  };
  const leaves: TabledLeaf[] = [];
  const seenIds = new Numbering();
  // Symmetry's keys of the nodes met, by the nodes' own fingerprints.
  const keys = space.stateKey === undefined ? null : { known: new FingerprintTable(), hi: new IntColumn(), lo: new IntColumn() };
  const advanced = new Map<number, Map<number, number>>();
  return {
    tabler: t,
    keyBytes: () => (keys === null ? 0 : keys.known.bytes + keys.hi.bytes + keys.lo.bytes),
    posId,
    pos: (id) => posVals[id]!,
    moves: listMoves,
    movesAt: (state, pos) => movesOf(space, state, posVals[pos]!),
    apply(vec, key, event) {
      return t.memoApply(vec, key, (d) => applyInPlace(d, event), (leaf) => {
        // What a judge sees of the transition but the states: the event and the observations, numbered.
        const seen = seenIds.of(`${key}\u0000${JSON.stringify(leaf.observations)}`);
        const l = { ...leaf, event, seen };
        leaves[seen] = l;
        return l;
      }) as TabledLeaf;
    },
    leaf: (seen) => leaves[seen]!,
    step(states, pos, move, leaf, depth, path) {
      const { vec, generation } = states;
      let before: State | undefined;
      let after: State | undefined;
      let settled: boolean | undefined;
      return {
        get before() { return (before ??= states.generation === generation ? states.a() : t.materialize(vec)); },
        get after() { return (after ??= states.generation === generation ? states.b() : t.materialize(t.applyWrites(vec, leaf.writes))); },
        get settled() { return (settled ??= clusterSettled(this.after)); },
        pos: posVals[pos]!, move, observations: leaf.observations, depth, path,
      };
    },
    advance(pos, move, leaf, step) {
      if (space.pureAdvance === true) {
        let byPos = advanced.get(pos);
        if (byPos === undefined) advanced.set(pos, (byPos = new Map()));
        const key = leaf.serial * 64 + (move.lane === null ? 0 : move.lane + 1);
        const known = byPos.get(key);
        if (known !== undefined) return known;
        const r = space.advance(step());
        if ("failure" in r) return r;
        const id = posId(r.pos);
        byPos.set(key, id);
        return id;
      }
      const r = space.advance(step());
      return "failure" in r ? r : posId(r.pos);
    },
    nodeFingerprint(vec, hi, lo, pos, parent, writes) {
      mixPosition(hi, lo, posHi[pos]!, posLo[pos]!);
      if (keys === null) return;
      // With symmetry, a node's key is its class's; each node met (told by its own fingerprint) is renamed once.
      const ownHi = hashOut.hi;
      const ownLo = hashOut.lo;
      const at = keys.known.get(ownHi, ownLo);
      if (at !== -1) {
        hashOut.hi = keys.hi.at(at) >>> 0;
        hashOut.lo = keys.lo.at(at) >>> 0;
        return;
      }
      const v = vec ?? t.applyWrites(parent!, writes!);
      space.stateKey!(t.materialize(v), posVals[pos]!);
      keys.known.insert(ownHi, ownLo, keys.hi.length);
      keys.hi.push(hashOut.hi | 0);
      keys.lo.push(hashOut.lo | 0);
    },
  };
}

/**
 * One level of the breadth-first frontier in a single growing Int32Array,
 * with no object per node: per node its index, positions, state fingerprint
 * (hi, lo), vector length, and its vector as the slots where it differs from
 * the node written before it (the first node's from all zeros). Nodes are
 * written in the order their parents are expanded, so a node and the one
 * before it are siblings or children of siblings and differ in a few slots:
 * a node takes about a fifth of its whole vector. Nodes are read back in the
 * order they were written. A difference is one integer (slot < 128 and a
 * value in [0, 2²⁴): slot · 2²⁴ + value) or two (−1 − slot, then the value).
 */
export class Level {
  /** Full chunks, then `data`, the one being written (a node never spans two). */
  private readonly chunks: Int32Array[] = [];
  private data = new Int32Array(16);
  /** The end of the last node written in `data`. */
  private end = 0;
  count = 0;
  /** The vector of the last node written (zeros past its length), and of the last read. */
  private written = new Int32Array(64);
  private writtenLength = 0;
  /** A scratch vector for the next node, zeros from `childLength` on. */
  private child = new Int32Array(64);
  private childLength = 0;
  private reading = new Int32Array(64);
  private readLength = 0;
  /** Where the next read starts: chunk and position in it. */
  private readChunk = 0;
  private readAt = 0;

  /** `chunk`: the integers of a full chunk (smaller in tests). */
  constructor(private readonly chunk = LEVEL_CHUNK) {}

  /** Integers written so far. */
  get ints(): number {
    let n = this.end;
    for (const c of this.chunks) n += c.length;
    return n;
  }

  /** Room for `need` more integers in `data`: it doubles up to 4 MiB, then full chunks are kept and a new one begun. */
  private room(need: number): void {
    if (this.end + need <= this.data.length) return;
    if (this.data.length < this.chunk) {
      let size = this.data.length * 2;
      while (size < this.end + need) size *= 2;
      if (size <= this.chunk || this.end === 0) {
        const grown = new Int32Array(size);
        grown.set(this.data.subarray(0, this.end));
        this.data = grown;
        return;
      }
    }
    this.chunks.push(this.data.subarray(0, this.end));
    this.data = new Int32Array(Math.max(this.chunk, need));
    this.end = 0;
  }

  /** Appends a node whose vector is `parent` with `writes` applied (null: `parent` itself). */
  push(index: number, pos: number, hi: number, lo: number, parent: Vec, writes: Int32Array | null): void {
    const len = writes === null ? parent.length : lengthWith(parent, writes);
    if (this.written.length < len) {
      this.written = grow(this.written, len);
      this.child = new Int32Array(this.written.length);
    }
    // The node's vector in `child` (zeros past it), then its differences from `written`, the last node's; then they swap.
    const child = this.child;
    const prev = this.written;
    child.set(parent);
    if (this.childLength > parent.length) child.fill(0, parent.length, this.childLength);
    if (writes !== null) for (let k = 0; k < writes.length; k += 2) child[writes[k]!] = writes[k + 1]!;
    // At most two integers a slot that differs.
    this.room(6 + 2 * len);
    const d = this.data;
    const at = this.end;
    d[at] = index;
    d[at + 1] = pos;
    d[at + 2] = hi | 0;
    d[at + 3] = lo | 0;
    d[at + 4] = len;
    let w = at + 6;
    for (let i = 0; i < len; i++) {
      const v = child[i]!;
      if (v === prev[i]) continue;
      if (i < 128 && v >= 0 && v < 0x1000000) d[w++] = i * 0x1000000 + v;
      else {
        d[w++] = -1 - i;
        d[w++] = v;
      }
    }
    d[at + 5] = w - at - 6;
    this.end = w;
    this.count++;
    // Past `len` both read as zeros from now on (the old `written` becomes `child`, whose tail is cleared when next filled).
    if (this.writtenLength > len) prev.fill(0, len, this.writtenLength);
    this.childLength = this.writtenLength > len ? len : this.writtenLength;
    this.written = child;
    this.child = prev;
    this.writtenLength = len;
  }

  /** The vector of the node written last (a copy). */
  last(): Vec {
    return this.written.slice(0, this.writtenLength);
  }

  /** Reads the next node into `node` (its vector a view, good until the next read), in the order written; false past the last. */
  read(node: { index: number; pos: number; hi: number; lo: number; vec: Vec }): boolean {
    let d: Int32Array;
    let at = this.readAt;
    for (;;) {
      d = this.readChunk < this.chunks.length ? this.chunks[this.readChunk]! : this.data;
      if (at < (d === this.data ? this.end : d.length)) break;
      if (d === this.data) return false;
      this.readChunk++;
      at = 0;
    }
    node.index = d[at]!;
    node.pos = d[at + 1]!;
    node.hi = d[at + 2]! >>> 0;
    node.lo = d[at + 3]! >>> 0;
    const len = d[at + 4]!;
    const end = at + 6 + d[at + 5]!;
    if (this.reading.length < len) this.reading = grow(this.reading, len);
    const cur = this.reading;
    if (this.readLength > len) cur.fill(0, len, this.readLength);
    for (let r = at + 6; r < end;) {
      const x = d[r++]!;
      if (x >= 0) cur[x >>> 24] = x & 0xffffff;
      else cur[-1 - x] = d[r++]!;
    }
    this.readLength = len;
    node.vec = cur.subarray(0, len);
    this.readAt = end;
    return true;
  }
}

/** A frontier level's chunk: 4 MiB of integers. */
const LEVEL_CHUNK = 1 << 20;

/** A copy of `a` at least `len` long (twice that), zeros past `a`. */
function grow(a: Int32Array, len: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(len * 2);
  grown.set(a);
  return grown;
}

/** What a pure judge sees of a transition (the laws' Step); `settled` is decided only if asked. */
class StepView implements LawStep {
  private s: boolean | undefined;
  constructor(readonly before: State, readonly event: ModelEvent, readonly after: State, readonly observations: readonly Observation[]) {}
  get settled(): boolean {
    return (this.s ??= clusterSettled(this.after));
  }
}

/** Small numbers for texts, in the order they are first met. */
class Numbering {
  private readonly ids = new Map<string, number>();
  private readonly texts: string[] = [];
  of(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(text, id);
      this.texts.push(text);
    }
    return id;
  }
  text(id: number): string {
    return this.texts[id]!;
  }
}

/** A node's state and one transition's, rebuilt from their vectors when something needs them (once each). */
class NodeStates implements StatesOf {
  vec: Vec = new Int32Array(0);
  writes: Int32Array = new Int32Array(0);
  /** Bumped at every change of node or transition (a step made earlier rebuilds its own states). */
  generation = 0;
  private before: State | undefined;
  private after: State | undefined;
  constructor(private readonly t: Tabler) {}
  node(vec: Vec): void {
    this.vec = vec;
    this.before = undefined;
    this.after = undefined;
    this.generation++;
  }
  transition(writes: Int32Array): void {
    this.writes = writes;
    this.after = undefined;
    this.generation++;
  }
  a(): State {
    return (this.before ??= this.t.materialize(this.vec));
  }
  b(): State {
    return (this.after ??= this.t.materializeAfter(this.a(), this.vec, this.writes));
  }
  /** The transition's state after, if something rebuilt it. */
  made(): State | undefined {
    return this.after;
  }
}

function deepCopy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** What a judge and a space's `advance` see of the transition `t` by `move` from (`before`, `pos`), `depth` events from the root. */
export function stepOf<P>(before: State, pos: P, move: Move, t: Transition, depth: number, path: () => ModelEvent[]): SearchStep<P> {
  return { before, pos, move, after: t.state, observations: t.observations, settled: clusterSettled(t.state), depth, path };
}

/** A transition waiting for its turn to be added: move number, writes, positions, node fingerprint (hi, lo), state fingerprint (sh, sl). */
export interface Pending {
  readonly m: number;
  readonly writes: Int32Array;
  readonly pos: number;
  readonly hi: number;
  readonly lo: number;
  readonly sh: number;
  readonly sl: number;
  /** The state after, if it was rebuilt while the transition was judged. */
  readonly state: State | undefined;
}

/** A node as the frontier holds it: its index, positions, state fingerprint (hi, lo) and vector. */
export interface NodeRef {
  index: number;
  pos: number;
  hi: number;
  lo: number;
  vec: Vec;
}

/** How a search stopped early (or `ok`). */
type Stop<F> = Omit<SearchResult<F>, "states" | "transitions" | "depth" | "collisionOdds" | "tableBytes" | "path" | "tables">;

/** What one node's expansion gave: its moves and the transitions kept (in move order), or why the search stops there (`deeper`: at the failing step, one event past the node). */
export type Expansion<F> =
  | { readonly moves: readonly Move[]; readonly pending: readonly Pending[] }
  | { readonly stop: Stop<F>; readonly deeper: boolean };

/** What an expander needs of a search's options. */
export type ExpandOptions<P, F> = Pick<SearchOptions<P, F>, "judge" | "pureJudge" | "onEnd" | "reduction">;

/**
 * The expansion of one node, the step of the one search core: its moves
 * (tabled), each transition from the model's memo tables, judged, advanced
 * and fingerprinted, with a reduction's reduced set and its cycle proviso.
 * The sequential search drives it level by level (`search`), and so do
 * `check`'s worker threads (checker/worker.ts), each with its own tables.
 */
export class Expander<P, F> {
  readonly tab: TabledSpace<P, F>;
  readonly t: Tabler;
  /** Transitions taken so far (those of a reduced set given up for the full one are not counted). */
  transitions = 0;
  /** States expanded in full because their reduced set closed on a visited state. */
  fullyExpanded = 0;
  /** The number of the move being taken (in the node's order of moves): where a judge or an error is. */
  move = 0;
  private readonly evaluators: Memo<unknown>[];
  private readonly values: unknown[];
  private readonly retired: readonly boolean[];
  private readonly ample: Memo<readonly number[] | null> | null;
  private readonly states: NodeStates;
  private scratch = new Int32Array(64);

  constructor(private readonly space: Space<P, F>, private readonly options: ExpandOptions<P, F>, private readonly events: (index: number) => ModelEvent[]) {
    const tab = (this.tab = tabledSpace(space));
    const t = (this.t = tab.tabler);
    const pure = options.pureJudge;
    this.evaluators = (pure?.evaluators ?? []).map((fn, i) => t.memo((a, b, seen) => {
      const leaf = tab.leaf(seen);
      return fn(new StepView(a, leaf.event, b!, leaf.observations));
    }, `judge${i}`));
    this.values = this.evaluators.map(() => null);
    this.retired = pure?.retired ?? [];
    const reduction = options.reduction;
    this.ample = reduction === undefined ? null : t.memo((s, _b, posId) => reduction.ample(s, tab.movesAt(s, posId), tab.pos(posId)), "ample");
    this.states = new NodeStates(t);
  }

  /** The state after a transition, as a vector the judges read (one, reused; zeros past the state's own length read as absent slots). */
  private afterVec(vec: Vec, writes: Int32Array): Vec {
    const len = lengthWith(vec, writes);
    if (this.scratch.length < len) this.scratch = new Int32Array(len * 2);
    else this.scratch.fill(0, vec.length);
    const scratch = this.scratch;
    scratch.set(vec);
    for (let i = 0; i < writes.length; i += 2) scratch[writes[i]!] = writes[i + 1]!;
    return scratch;
  }

  /** Expands `node` (`depth` events from the root); `visited` says whether a node fingerprint is known (the cycle proviso of a reduction). */
  expand(node: Readonly<NodeRef>, depth: number, visited: (hi: number, lo: number) => boolean): Expansion<F> {
    const { tab, t, space, options, states, evaluators, values, retired, ample } = this;
    const pure = options.pureJudge;
    const judge = options.judge;
    states.node(node.vec);
    // The node's index and vector for paths asked later (the caller's `node` is read again for the next one).
    const here = node.index;
    const vec = node.vec;
    const nodePos = node.pos;
    const listed = tab.moves(vec, nodePos, states);
    const all = listed.moves;
    const events = this.events;
    if (all.length === 0) {
      const nodePath = () => events(here);
      const state = states.a();
      const pos = tab.pos(nodePos);
      const failure = space.end?.(state, pos, nodePath) ?? null;
      if (failure !== null) return { stop: { verdict: "violation", failure, trace: nodePath() }, deeper: false };
      options.onEnd?.(state, pos, nodePath);
      return { moves: all, pending: [] };
    }
    // With a reduction, a reduced set is tried first; it is kept only if none of its moves closes on a visited state.
    let chosen: readonly number[] | null = ample === null ? null : ample(nodePos, vec, null, null, states);
    let pending: Pending[] = [];
    const traceTo = (move: Move): ModelEvent[] => [...events(here), move.event];
    for (let attempt = 0; attempt < 2; attempt++) {
      const count = chosen === null ? all.length : chosen.length;
      pending = [];
      let closes = false;
      let tried = 0;
      for (let c = 0; c < count; c++) {
        const m = chosen === null ? c : chosen[c]!;
        this.move = m;
        const move = all[m]!;
        const leaf = tab.apply(vec, listed.keys[m]!, move.event);
        if (leaf.error !== undefined) return { stop: { verdict: "error", error: `${leaf.error} (at ${JSON.stringify(move.event)})`, trace: traceTo(move) }, deeper: false };
        this.transitions++;
        tried++;
        states.transition(leaf.writes);
        let lazy: SearchStep<P> | null = null;
        const step = (): SearchStep<P> => (lazy ??= tab.step(states, nodePos, move, leaf, depth + 1, () => events(here)));
        if (pure !== undefined) {
          const after = this.afterVec(vec, leaf.writes);
          for (let e = 0; e < evaluators.length; e++) values[e] = retired[e] === true ? undefined : evaluators[e]!(leaf.seen, vec, after, null, states);
          const verdict = pure.act(values, step);
          if (verdict === "skip") continue;
          if (verdict !== null) return { stop: { verdict: "violation", failure: verdict, trace: traceTo(move) }, deeper: true };
        }
        if (judge !== undefined) {
          const verdict = judge(step());
          if (verdict === "skip") continue;
          if (verdict !== null) return { stop: { verdict: "violation", failure: verdict, trace: traceTo(move) }, deeper: true };
        }
        const advanced = tab.advance(nodePos, move, leaf, step);
        if (typeof advanced !== "number") return { stop: { verdict: "violation", failure: advanced.failure, trace: traceTo(move) }, deeper: true };
        t.fingerprintAfter(vec, node.hi, node.lo, leaf.writes);
        const hi = hashOut.hi;
        const lo = hashOut.lo;
        tab.nodeFingerprint(leaf.writes.length === 0 ? vec : null, hi, lo, advanced, vec, leaf.writes);
        if (chosen !== null && visited(hashOut.hi, hashOut.lo)) closes = true;
        pending.push({ m, writes: leaf.writes, pos: advanced, hi: hashOut.hi, lo: hashOut.lo, sh: hi, sl: lo, state: states.made() });
      }
      if (chosen === null || !closes || options.reduction?.acyclic === true) break;
      // The cycle proviso: a reduced set that reaches a visited state is not enough; expand every move.
      this.fullyExpanded++;
      this.transitions -= tried;
      chosen = null;
    }
    return { moves: all, pending };
  }
}

/** A paced search of a space (sim/pace.ts): it yields once per time slice. */
export function* search<P, F>(space: Space<P, F>, options: SearchOptions<P, F> = {}): Paced<SearchResult<F>> {
  const pacer = new Pacer(50, 4);
  const now = options.now ?? (() => 0);
  const started = now();
  const maxStates = options.maxStates ?? Infinity;
  const maxMillis = options.maxMillis ?? Infinity;
  const maxDepth = options.maxDepth ?? Infinity;
  const maxMemoryMB = options.maxMemoryMB ?? Infinity;
  const memoryMB = options.memoryMB ?? (() => 0);
  const progressEvery = options.progressEvery ?? 5_000;
  const observer = options.observer;
  const reduction = options.reduction;

  const table = new FingerprintTable();
  const parents = new IntColumn();
  const moveNumbers = new IntColumn();
  const add = (parent: number, move: number): number => {
    parents.push(parent);
    moveNumbers.push(move);
    return parents.length - 1;
  };
  const path = (index: number): number[] => {
    const out: number[] = [];
    for (let i = index; i > 0; i = parents.at(i)) out.push(moveNumbers.at(i));
    return out.reverse();
  };
  const events = (index: number): ModelEvent[] => replayPath(space, path(index)).events;
  const ex = new Expander(space, options, events);
  const tab = ex.tab;
  const t = ex.t;

  const rootVec = t.pack(space.root);
  const rootPos = tab.posId(space.start);
  t.fingerprint(rootVec);
  const rootHi = hashOut.hi;
  const rootLo = hashOut.lo;
  tab.nodeFingerprint(rootVec, rootHi, rootLo, rootPos);
  table.insert(hashOut.hi, hashOut.lo, add(-1, -1));
  const digest = observer?.digest === undefined ? null : t.memo((s) => observer.digest!(s));
  const seeState = (index: number, vec: Vec, made?: State): void => {
    if (observer === undefined) return;
    if (digest !== null) {
      let state: State | undefined = made;
      const rebuilt = (): State => (state ??= t.materialize(vec));
      observer.digested?.(index, digest(0, vec, null, null, { a: rebuilt, b: rebuilt }));
    }
    else if (observer.state !== undefined) observer.state(index, t.materialize(vec));
  };
  seeState(0, rootVec);
  const visited = (hi: number, lo: number): boolean => table.get(hi, lo) !== -1;

  let depth = 0;
  let frontier = new Level();
  frontier.push(0, rootPos, rootHi, rootLo, rootVec, null);
  let stop: Stop<F> | null = null;
  const finish = (): SearchResult<F> => ({
    ...(stop ?? { verdict: "ok" }),
    states: table.size, transitions: ex.transitions, depth, collisionOdds: collisionOdds(table.size), tableBytes: table.bytes + parents.bytes + moveNumbers.bytes + tab.keyBytes(),
    ...(reduction === undefined ? {} : { fullyExpanded: ex.fullyExpanded }),
    tables: { hits: t.hits, misses: t.misses, slots: t.slotCount, values: t.valueCount, memos: t.stats },
    path,
  });

  try {
    search: while (frontier.count > 0) {
      options.progress?.({ states: table.size, transitions: ex.transitions, depth, frontier: frontier.count });
      if (depth >= maxDepth) {
        stop = { verdict: "incomplete", bound: "depth" };
        break;
      }
      const next = new Level();
      const node: NodeRef = { index: 0, pos: 0, hi: 0, lo: 0, vec: rootVec };
      while (frontier.read(node)) {
        if (pacer.due()) yield;
        const r = ex.expand(node, depth, visited);
        if ("stop" in r) {
          stop = r.stop;
          if (r.deeper) depth++;
          break search;
        }
        for (const p of r.pending) {
          // One probe: the index the state would get, kept only if it is new.
          const seen = table.insert(p.hi, p.lo, parents.length);
          if (seen !== -1) {
            observer?.edge?.(node.index, p.m, seen, r.moves[p.m]!);
            continue;
          }
          const index = add(node.index, p.m);
          next.push(index, p.pos, p.sh, p.sl, node.vec, p.writes);
          if (observer !== undefined) seeState(index, next.last(), p.state);
          observer?.edge?.(node.index, p.m, index, r.moves[p.m]!);
          if (table.size >= maxStates) {
            stop = { verdict: "incomplete", bound: "states" };
            break search;
          }
          if (table.size % progressEvery === 0) {
            options.progress?.({ states: table.size, transitions: ex.transitions, depth: depth + 1, frontier: next.count });
            if (now() - started > maxMillis) {
              stop = { verdict: "incomplete", bound: "time" };
              break search;
            }
            if (memoryMB() > maxMemoryMB) {
              stop = { verdict: "incomplete", bound: "memory" };
              break search;
            }
          }
        }
      }
      frontier = next;
      if (next.count > 0) depth++;
    }
  } catch (e) {
    // A space's own code (advance, judge) threw: a bug in rollcall, reported with the search's figures.
    stop = { verdict: "error", error: (e as Error).message };
  }
  return finish();
}

/** Replays move numbers from a space's root: the events, what each one's callers saw, and the states (states[0] is the root). */
export function replayPath<P, F>(space: Space<P, F>, moves: readonly number[]): { events: ModelEvent[]; observations: Observation[][]; states: State[]; positions: P[] } {
  let state = space.root;
  let pos = space.start;
  const events: ModelEvent[] = [];
  const observations: Observation[][] = [];
  const states: State[] = [state];
  const positions: P[] = [pos];
  for (const m of moves) {
    const move = movesOf(space, state, pos)[m];
    if (move === undefined) throw new Error(`replay: no move ${m} at step ${events.length + 1}`);
    const t = transition(state, move.event);
    const advanced = space.advance(stepOf(state, pos, move, t, events.length + 1, () => [...events]));
    if ("failure" in advanced) throw new Error(`replay: step ${events.length + 1} fails`);
    events.push(move.event);
    observations.push([...t.observations]);
    state = t.state;
    pos = advanced.pos;
    states.push(state);
    positions.push(pos);
  }
  return { events, observations, states, positions };
}

/**
 * Lists of steps that race (a parallel block of a scenario, the block of a
 * race): lane i runs list i in order, each step one caller's command (or a
 * crash, which has no caller). A step is done when its caller sees its answer
 * (sim/search.ts's one rule of advancing); what an answer means to the
 * client (an expectation, a label bound, an outcome noted) is `answered`'s.
 * `X` is what the client keeps along a path (labels bound, answers seen): part
 * of a node's identity through `extraKey`.
 */
export interface Lists<I, X, F> {
  readonly lists: readonly (readonly I[])[];
  readonly root: State;
  readonly extra: X;
  /** The caller of a step now (null for an init, whose job is not known yet, and a crash); undefined: the step cannot start yet. */
  callerOf(item: I, extra: X): string | null | undefined;
  /** The event a step starts with, from this state. */
  eventOf(item: I, extra: X, state: State): ModelEvent;
  /** A crash: done as soon as it is taken, nobody answers it. */
  isCrash(item: I): boolean;
  /** A step's caller saw its answer: the client's data after it (a fresh value), or a failure. */
  answered(at: { list: number; position: number; item: I; answer: Observation; after: State; extra: X; path: () => ModelEvent[]; event: ModelEvent }): { extra: X } | { failure: F };
  extraKey(extra: X): string;
  /** A node where no step can move but some list is not finished. */
  stuck?(state: State, pos: ListsPos<X>, path: () => ModelEvent[]): F | null;
}

export interface ListsPos<X> {
  readonly pos: readonly number[];
  readonly extra: X;
}

/** The space of a `Lists`: each unfinished list's next step, every internal event. */
export function listsSpace<I, X, F>(l: Lists<I, X, F>): Space<ListsPos<X>, F> {
  return {
    root: l.root,
    start: { pos: l.lists.map(() => 0), extra: l.extra },
    lanes(state, { pos, extra }, out) {
      l.lists.forEach((list, i) => {
        if (pos[i]! >= list.length) return;
        const item = list[pos[i]!]!;
        const caller = l.callerOf(item, extra);
        if (caller === undefined) return;
        out.push({ lane: i, caller, commands: () => [l.eventOf(item, extra, state)] });
      });
    },
    advance(step) {
      const { move } = step;
      const pos = [...step.pos.pos];
      let extra = step.pos.extra;
      for (let i = 0; i < l.lists.length; i++) {
        if (pos[i]! >= l.lists[i]!.length) continue;
        const item = l.lists[i]![pos[i]!]!;
        const own = move.lane === i;
        if (l.isCrash(item)) {
          if (own) pos[i]!++;
          continue;
        }
        const caller = l.callerOf(item, extra) ?? null;
        // A step answered by another's move (a creation finishing, a kill processed) counts too; an init only by its own.
        const answer = own ? answerOf(step.observations, caller) : caller === null ? undefined : answerOf(step.observations, caller);
        if (answer === undefined) continue;
        const r = l.answered({ list: i, position: pos[i]!, item, answer, after: step.after, extra, path: step.path, event: move.event });
        if ("failure" in r) return r;
        extra = r.extra;
        pos[i]!++;
      }
      return { pos: { pos, extra } };
    },
    posKey: ({ pos, extra }) => pos.join(",") + "|" + l.extraKey(extra),
    end(state, p, path) {
      if (p.pos.every((n, i) => n >= l.lists[i]!.length)) return null;
      return l.stuck?.(state, p, path) ?? null;
    },
  };
}
