import {
  answerOf, commandEnabled, enabledInternalEvents, firstInternalEvent, transition,
  type Command, type ModelEvent, type Observation, type State, type Transition,
} from "../model/index.js";
import { Pacer, type Paced } from "./pace.js";
import { FingerprintTable, IntColumn, collisionOdds, hashOut, hashText, structuralHasher } from "./table.js";

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
 * States are told apart by 64-bit fingerprints in a typed-array table
 * (sim/table.ts); a state's parent and move number are two integers, so
 * full states live only in the frontier, and a path is rebuilt by replaying
 * its move numbers from the root (`replayPath`).
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
  /** Text that tells positions apart (with the state's fingerprint, the node's identity). */
  posKey(pos: P): string;
  /** A state's own key text instead of its canonical fingerprint (symmetry reduction), if any. */
  stateKey?(state: State, pos: P): string;
  /** Asked about a node without moves: a failure (a deadlock), or null (an end). */
  end?(state: State, pos: P, path: () => ModelEvent[]): F | null;
}

/** One lane's wish: its caller (null for steps with none, such as a crash) and the commands it may start, in order. */
export interface LaneWish {
  readonly lane: number;
  readonly caller: string | null;
  readonly commands: readonly ModelEvent[] | (() => readonly ModelEvent[]);
}

/** Watches a search: every state once, every transition once (states expanded in index order). */
export interface SearchObserver {
  state?(index: number, state: State): void;
  edge?(from: number, move: number, to: number, m: Move): void;
}

/** Partial-order reduction: indices (ascending) of a subset of a state's moves that is enough, or null for all. */
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
}

/** Every move of a node, in a fixed order: each lane's next step, then the internal events, then crashes. */
export function movesOf<P, F>(space: Space<P, F>, state: State, pos: P): Move[] {
  const wishes: LaneWish[] = [];
  space.lanes(state, pos, wishes);
  const moves: Move[] = [];
  for (const wish of wishes) laneMoves(state, wish, moves);
  for (const event of enabledInternalEvents(state)) moves.push({ event, kind: "internal", lane: null });
  if (space.crashes === true) {
    for (const id in state.actors) {
      if (state.actors[id]!.lifecycle === "ALIVE") moves.push({ event: { type: "actor.crashed", actor: id }, kind: "crash", lane: null });
    }
  }
  return moves;
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
    if (command.type === "actor.crashed") out.push({ event: command, kind: "crash", lane: wish.lane });
    else if (isCommandEvent(command) && commandEnabled(state, command)) out.push({ event: command, kind: "command", lane: wish.lane });
  }
}

function isCommandEvent(e: ModelEvent): e is Command {
  return e.type !== "actor.crashed" && !e.type.includes(".");
}

/**
 * A space's fingerprint function: the structural hash of the model state (or
 * the text of the space's own key), mixed with its positions' key, left in
 * `hashOut`. Make one per search (it remembers the hashes of objects).
 */
export function fingerprinter<P, F>(space: Space<P, F>): (state: State, pos: P) => void {
  const structural = structuralHasher();
  return (state, pos) => {
    if (space.stateKey !== undefined) hashText(space.stateKey(state, pos), 0x5bd1e995);
    else structural(state);
    const hi = hashOut.hi;
    const lo = hashOut.lo;
    hashText(space.posKey(pos), lo);
    hashOut.hi = (hashOut.hi ^ hi) >>> 0;
    hashOut.lo = (hashOut.lo + Math.imul(hi, 0x9e3779b1) + lo) >>> 0;
  };
}

/** What a judge and a space's `advance` see of the transition `t` by `move` from (`before`, `pos`), `depth` events from the root. */
export function stepOf<P>(before: State, pos: P, move: Move, t: Transition, depth: number, path: () => ModelEvent[]): SearchStep<P> {
  return { before, pos, move, after: t.state, observations: t.observations, settled: firstInternalEvent(t.state) === null, depth, path };
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
  const fingerprint = fingerprinter(space);

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

  fingerprint(space.root, space.start);
  table.insert(hashOut.hi, hashOut.lo, add(-1, -1));
  observer?.state?.(0, space.root);

  let transitions = 0;
  let depth = 0;
  let fullyExpanded = 0;
  let frontier: { index: number; state: State; pos: P }[] = [{ index: 0, state: space.root, pos: space.start }];
  let stop: Omit<SearchResult<F>, "states" | "transitions" | "depth" | "collisionOdds" | "tableBytes" | "path"> | null = null;
  const finish = (): SearchResult<F> => ({
    ...(stop ?? { verdict: "ok" }),
    states: table.size, transitions, depth, collisionOdds: collisionOdds(table.size), tableBytes: table.bytes + parents.bytes + moveNumbers.bytes,
    ...(reduction === undefined ? {} : { fullyExpanded }),
    path,
  });

  try {
    search: while (frontier.length > 0) {
      options.progress?.({ states: table.size, transitions, depth, frontier: frontier.length });
      if (depth >= maxDepth) {
        stop = { verdict: "incomplete", bound: "depth" };
        break;
      }
      const next: typeof frontier = [];
      for (const node of frontier) {
        if (pacer.due()) yield;
        const all = movesOf(space, node.state, node.pos);
        if (all.length === 0) {
          const nodePath = () => events(node.index);
          const failure = space.end?.(node.state, node.pos, nodePath) ?? null;
          if (failure !== null) {
            stop = { verdict: "violation", failure, trace: nodePath() };
            break search;
          }
          options.onEnd?.(node.state, node.pos, nodePath);
          continue;
        }
        // With a reduction, a reduced set is tried first; it is kept only if none of its moves closes on a visited state.
        let chosen: readonly number[] | null = reduction?.ample(node.state, all, node.pos) ?? null;
        let pending: { m: number; state: State; pos: P; hi: number; lo: number }[] = [];
        const traceTo = (move: Move): ModelEvent[] => [...events(node.index), move.event];
        for (let attempt = 0; attempt < 2; attempt++) {
          const indices = chosen ?? all.map((_, i) => i);
          pending = [];
          let closes = false;
          let tried = 0;
          for (const m of indices) {
            const move = all[m]!;
            let t: Transition;
            try {
              t = transition(node.state, move.event);
            } catch (e) {
              stop = { verdict: "error", error: `${(e as Error).message} (at ${JSON.stringify(move.event)})`, trace: traceTo(move) };
              break search;
            }
            transitions++;
            tried++;
            const step = stepOf(node.state, node.pos, move, t, depth + 1, () => events(node.index));
            const verdict = options.judge?.(step) ?? null;
            if (verdict === "skip") continue;
            if (verdict !== null) {
              stop = { verdict: "violation", failure: verdict, trace: traceTo(move) };
              depth++;
              break search;
            }
            const advanced = space.advance(step);
            if ("failure" in advanced) {
              stop = { verdict: "violation", failure: advanced.failure, trace: traceTo(move) };
              depth++;
              break search;
            }
            fingerprint(t.state, advanced.pos);
            if (chosen !== null && table.get(hashOut.hi, hashOut.lo) !== -1) closes = true;
            pending.push({ m, state: t.state, pos: advanced.pos, hi: hashOut.hi, lo: hashOut.lo });
          }
          if (chosen === null || !closes || reduction?.acyclic === true) break;
          // The cycle proviso: a reduced set that reaches a visited state is not enough; expand every move.
          fullyExpanded++;
          transitions -= tried;
          chosen = null;
        }
        for (const p of pending) {
          // One probe: the index the state would get, kept only if it is new.
          const seen = table.insert(p.hi, p.lo, parents.length);
          if (seen !== -1) {
            observer?.edge?.(node.index, p.m, seen, all[p.m]!);
            continue;
          }
          const index = add(node.index, p.m);
          observer?.state?.(index, p.state);
          observer?.edge?.(node.index, p.m, index, all[p.m]!);
          next.push({ index, state: p.state, pos: p.pos });
          if (table.size >= maxStates) {
            stop = { verdict: "incomplete", bound: "states" };
            break search;
          }
          if (table.size % progressEvery === 0) {
            options.progress?.({ states: table.size, transitions, depth: depth + 1, frontier: next.length });
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
      if (next.length > 0) depth++;
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
