import {
  ACTOR_CHART_EVENTS, ACTOR_STATES, LAWS, commandEnabled, enabledInternalEvents, initialState, memoCanonicalKey, nextActorState, transition,
  type Actor, type Law, type ModelEvent, type Observation, type State,
} from "../model/index.js";
import { driverCommands, type DriverSlot, type Universe } from "./universe.js";
import { symmetricKey } from "./symmetry.js";
import { drainSync, Pacer, type Paced } from "../sim/pace.js";

/**
 * A node of the search: the model's state and where each driver of the
 * universe stands. Nodes live in flat arrays (parent index, event) so a
 * counterexample is read back by following parents.
 */
export interface Node {
  readonly state: State;
  readonly slots: readonly DriverSlot[];
}

export interface Violation {
  readonly law: string;
  readonly sentence: string;
  readonly message: string;
  /** The events from the initial state to the violating step, the last one included. */
  readonly trace: readonly ModelEvent[];
  /** The observations of each event of the trace. */
  readonly observations: readonly (readonly Observation[])[];
}

export interface CheckProgress {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly frontier: number;
}

export interface CheckOptions {
  /** Stop (verdict `incomplete`) past this many states. */
  readonly maxStates?: number;
  /** Stop (verdict `incomplete`) past this many milliseconds, measured by `now`. */
  readonly maxMillis?: number;
  /** Stop (verdict `incomplete`) when `memoryMB` reports more than this. */
  readonly maxMemoryMB?: number;
  /** The memory in use, in MB (the model never reads it; the command line passes the process's). */
  readonly memoryMB?: () => number;
  /** A clock for the time bound and progress (the model never reads one). */
  readonly now?: () => number;
  readonly laws?: readonly Law[];
  /** Called at each new depth and every `progressEvery` states. */
  readonly progress?: (p: CheckProgress) => void;
  readonly progressEvery?: number;
  /**
   * Asked about each violation found: false passes it over (the violating
   * step is not followed) and the search goes on to the next one, which is
   * no shorter. Without it the first violation ends the search.
   */
  readonly accept?: (violation: Violation) => boolean;
  /** Keep one state per class of renamings of drivers, namespaces, names and actors (checker/symmetry.ts). */
  readonly symmetry?: boolean;
}

export type Verdict = "ok" | "violation" | "incomplete";

export interface CheckResult {
  readonly verdict: Verdict;
  /** Why the search stopped early (verdict `incomplete`). */
  readonly bound?: "states" | "time" | "memory";
  readonly states: number;
  readonly transitions: number;
  /** The largest depth (events from the initial state) the search completed or reached. */
  readonly depth: number;
  readonly violation?: Violation;
  /** Violations passed over by `accept`, and the length of the first (shortest) of them. */
  readonly passedOver?: { readonly count: number; readonly shortest: number };
  /** Each law's companion: the depth at which it was first reached, or null. */
  readonly companions: Readonly<Record<string, number | null>>;
  /** Each edge of the actor chart ("FROM -event-> TO") and whether some transition of the search took it. */
  readonly coverage: Readonly<Record<string, boolean>>;
}

/**
 * Breadth-first search of every interleaving of the universe's drivers (each
 * command split into the model's atomic steps), the cluster's internal events
 * and, with faults, crashes. States are told apart by a canonical key of the
 * model state and the drivers' positions; every transition is checked against
 * the laws, so the first violation found is on a shortest path.
 */
export function check(universe: Universe, options: CheckOptions = {}): CheckResult {
  return drainSync(checkPaced(universe, options));
}

/** `check` as paced work: it pauses once per time slice (sim/pace.ts), so a command line running it with `drainAsync` stays interruptible. */
export function* checkPaced(universe: Universe, options: CheckOptions = {}): Paced<CheckResult> {
  // A node's expansion costs tens of microseconds: a look at the clock every 4 is free.
  const pacer = new Pacer(50, 4);
  const laws = options.laws ?? LAWS;
  const now = options.now ?? (() => 0);
  const started = now();
  const maxStates = options.maxStates ?? Infinity;
  const maxMillis = options.maxMillis ?? Infinity;
  const progressEvery = options.progressEvery ?? 5_000;
  const maxMemoryMB = options.maxMemoryMB ?? Infinity;
  const memoryMB = options.memoryMB ?? (() => 0);
  const canonical = memoCanonicalKey();
  const symmetric = options.symmetry === true ? symmetricKey(universe) : null;
  const key = (n: Node): string => {
    if (symmetric !== null) return symmetric(n.state, n.slots);
    let k = canonical(n.state);
    for (const s of n.slots) k += `|${s.job ?? "-"}:${s.ops}`;
    return k;
  };

  const nodes: Node[] = [];
  const parents: number[] = [];
  const events: (ModelEvent | null)[] = [];
  const visited = new Set<string>();
  const add = (node: Node, parent: number, event: ModelEvent | null): number => {
    nodes.push(node);
    parents.push(parent);
    events.push(event);
    return nodes.length - 1;
  };
  const root: Node = { state: initialState(universe.profile, universe.mutant), slots: Array.from({ length: universe.drivers }, () => ({ job: null, ops: 0 })) };
  visited.add(key(root));
  add(root, -1, null);

  const companions: Record<string, number | null> = {};
  for (const law of laws) companions[law.name] = null;
  const coverage: Record<string, boolean> = {};
  for (const e of chartEdges()) coverage[e] = false;

  let transitions = 0;
  let passedOver: { count: number; shortest: number } | undefined;
  let depth = 0;
  let frontier = [0];
  let result: Omit<CheckResult, "states" | "transitions" | "depth" | "companions" | "coverage"> | null = null;
  search: while (frontier.length > 0) {
    options.progress?.({ states: visited.size, transitions, depth, frontier: frontier.length });
    const next: number[] = [];
    for (const index of frontier) {
      const node = nodes[index]!;
      if (pacer.due()) yield;
      moves: for (const move of successors(universe, node)) {
        const t = transition(node.state, move.event);
        transitions++;
        const settled = enabledInternalEvents(t.state).length === 0;
        const step = { before: node.state, event: move.event, after: t.state, observations: t.observations, settled };
        noteCoverage(node.state, t.state, coverage);
        for (const law of laws) {
          if (companions[law.name] === null && law.reached(step)) companions[law.name] = depth + 1;
          const message = law.check(step);
          if (message !== null) {
            const trace = traceOf(index, parents, events);
            trace.push(move.event);
            const violation: Violation = { law: law.name, sentence: law.sentence, message, trace, observations: observationsOf(universe, trace) };
            if (options.accept !== undefined && !options.accept(violation)) {
              passedOver = passedOver ?? { count: 0, shortest: trace.length };
              passedOver = { count: passedOver.count + 1, shortest: passedOver.shortest };
              continue moves;
            }
            result = { verdict: "violation", violation, ...(passedOver === undefined ? {} : { passedOver }) };
            depth++;
            break search;
          }
        }
        const child: Node = { state: t.state, slots: move.slots ?? node.slots };
        const k = key(child);
        if (visited.has(k)) continue;
        visited.add(k);
        next.push(add(child, index, move.event));
        if (visited.size >= maxStates) {
          result = { verdict: "incomplete", bound: "states" };
          break search;
        }
        if (visited.size % progressEvery === 0) {
          options.progress?.({ states: visited.size, transitions, depth: depth + 1, frontier: next.length });
          if (now() - started > maxMillis) {
            result = { verdict: "incomplete", bound: "time" };
            break search;
          }
          if (memoryMB() > maxMemoryMB) {
            result = { verdict: "incomplete", bound: "memory" };
            break search;
          }
        }
      }
    }
    frontier = next;
    if (next.length > 0) depth++;
  }
  return { ...(result ?? { verdict: "ok", ...(passedOver === undefined ? {} : { passedOver }) }), states: visited.size, transitions, depth, companions, coverage };
}

export interface Move {
  readonly event: ModelEvent;
  /** The drivers' positions after the move, when it changes them. */
  readonly slots?: readonly DriverSlot[];
}

/** Every move from a node: each driver's commands, the enabled internal events, crashes. */
export function successors(universe: Universe, node: Node): Move[] {
  const moves: Move[] = [];
  const { state, slots } = node;
  slots.forEach((slot, i) => {
    for (const command of driverCommands(universe, state, slot, i)) {
      if (command.type === "init") {
        // The job id init will give: the model counts jobs from 1.
        const job = `j${state.counters.job + 1}`;
        moves.push({ event: command, slots: slots.map((s, j) => (j === i ? { job, ops: 0 } : s)) });
        continue;
      }
      if (!commandEnabled(state, command)) continue;
      if (command.type === "continue") moves.push({ event: command });
      else moves.push({ event: command, slots: slots.map((s, j) => (j === i ? { job: s.job, ops: s.ops + 1 } : s)) });
    }
  });
  for (const event of enabledInternalEvents(state)) moves.push({ event });
  if (universe.faults) {
    for (const id in state.actors) {
      if (state.actors[id]!.lifecycle === "ALIVE") moves.push({ event: { type: "actor.crashed", actor: id } });
    }
  }
  return moves;
}

function traceOf(index: number, parents: readonly number[], events: readonly (ModelEvent | null)[]): ModelEvent[] {
  const trace: ModelEvent[] = [];
  for (let i = index; i > 0; i = parents[i]!) trace.push(events[i]!);
  return trace.reverse();
}

/** Replays a trace from the initial state, collecting each event's observations. */
export function observationsOf(universe: Universe, trace: readonly ModelEvent[]): Observation[][] {
  let state = initialState(universe.profile, universe.mutant);
  const out: Observation[][] = [];
  for (const event of trace) {
    const t = transition(state, event);
    out.push([...t.observations]);
    state = t.state;
  }
  return out;
}

/** The actor chart's edges, read from the chart itself: "FROM -event-> TO" (DEAD's self-loop left out). */
export function chartEdges(): string[] {
  const all: string[] = [];
  for (const from of ACTOR_STATES) {
    for (const event of ACTOR_CHART_EVENTS) {
      const to = nextActorState(from, event);
      if (to === null || (from === "DEAD" && to === "DEAD")) continue;
      const edge = `${from} -${event.type}-> ${to}`;
      if (!all.includes(edge)) all.push(edge);
    }
  }
  return all;
}

/** Marks the chart edge each actor's lifecycle took in this transition. */
export function noteCoverage(before: State, after: State, coverage: Record<string, boolean>): void {
  for (const id in before.actors) {
    const was = before.actors[id]!;
    const now: Actor | undefined = after.actors[id] ?? after.destroyed[id];
    if (now === undefined) continue;
    const edge = edgeOf(was, now);
    if (edge !== null) coverage[edge] = true;
  }
}

function edgeOf(was: Actor, now: Actor): string | null {
  const from = was.lifecycle;
  const to = now.lifecycle;
  if (from === to) return from === "RESTARTING" && now.numRestarts > was.numRestarts ? "RESTARTING -worker.died-> RESTARTING" : null;
  const event = to === "PENDING_CREATION" ? "dependencies.resolved"
    : to === "ALIVE" ? "creation.succeeded"
    : to === "RESTARTING" ? "worker.died"
    : now.deathCause === "WORKER_DIED" || now.deathCause === "INTENDED_USER_EXIT" ? "worker.died" : "actor.destroyed";
  return `${from} -${event}-> ${to}`;
}
