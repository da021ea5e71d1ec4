import {
  ACTOR_CHART_EVENTS, ACTOR_STATES, nextActorState, transition,
  type Actor, type Command, type Law, type LawStep, type ModelEvent, type Observation, type State,
} from "../model/index.js";
import { driverCommands, nodeFaults, universeLaws, universeRoot, type DriverSlot, type Universe } from "./universe.js";
import { symmetricKey, symmetryCollisionOdds } from "./symmetry.js";
import { drainSync, type Paced } from "../sim/pace.js";
import { movesOf, search, type TableFigures, type Reduction, type SearchObserver, type SearchStep, type Space } from "../sim/search.js";

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
  /** Watches every state and transition (liveness laws record the graph with it). */
  readonly observer?: SearchObserver;
  /** Partial-order reduction (`--por`). */
  readonly reduction?: Reduction;
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
  /** The chance that two states shared a 64-bit fingerprint (so one of them was never explored). */
  readonly collisionOdds: number;
  /** Bytes of the visited table and the parent and move columns. */
  readonly tableBytes: number;
  /** States expanded in full because their reduced set closed a cycle (with `reduction`). */
  readonly fullyExpanded?: number;
  /** The move numbers from the root to a state, in the order the search core lists moves. */
  path(index: number): number[];
  /** The search core's memo tables (sim/tabled.ts); absent from worker threads' searches. */
  readonly tables?: TableFigures;
}

/**
 * Breadth-first search of every interleaving of the universe's drivers (each
 * command split into the model's atomic steps), the cluster's internal events
 * and, with faults, crashes: the one search core (sim/search.ts) over the
 * universe's space. Every transition is checked against the laws, so the
 * first violation found is on a shortest path.
 */
export function check(universe: Universe, options: CheckOptions = {}): CheckResult {
  return drainSync(checkPaced(universe, options));
}

/** `check` as paced work: it pauses once per time slice (sim/pace.ts), so a command line running it with `drainAsync` stays interruptible. */
export function* checkPaced(universe: Universe, options: CheckOptions = {}): Paced<CheckResult> {
  const laws = options.laws ?? universeLaws(universe);
  const companions: Record<string, number | null> = {};
  for (const law of laws) companions[law.name] = null;
  const coverage: Record<string, boolean> = {};
  for (const e of chartEdges()) coverage[e] = false;
  let passedOver: { count: number; shortest: number } | undefined;
  const space = universeSpace(universe, options.symmetry === true);
  const retired: boolean[] = [];
  const note = lawNoter(laws, companions, coverage, retired);
  const pureJudge = {
    evaluators: lawEvaluators(laws),
    retired,
    act(values: readonly unknown[], step: () => SearchStep<readonly DriverSlot[]>): Violation | "skip" | null {
      const broken = note(values, () => step().depth);
      if (broken === null) return null;
      const s = step();
      const trace = [...s.path(), s.move.event];
      const violation: Violation = { law: broken.law.name, sentence: broken.law.sentence, message: broken.message, trace, observations: observationsOf(universe, trace) };
      if (options.accept !== undefined && !options.accept(violation)) {
        passedOver = { count: (passedOver?.count ?? 0) + 1, shortest: passedOver?.shortest ?? trace.length };
        return "skip";
      }
      return violation;
    },
  };
  const r = yield* search(space, {
    ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }),
    ...(options.maxMillis === undefined ? {} : { maxMillis: options.maxMillis }),
    ...(options.maxMemoryMB === undefined ? {} : { maxMemoryMB: options.maxMemoryMB }),
    ...(options.memoryMB === undefined ? {} : { memoryMB: options.memoryMB }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.progress === undefined ? {} : { progress: options.progress }),
    ...(options.progressEvery === undefined ? {} : { progressEvery: options.progressEvery }),
    ...(options.observer === undefined ? {} : { observer: options.observer }),
    ...(options.reduction === undefined ? {} : { reduction: options.reduction }),
    pureJudge,
  });
  if (r.verdict === "error") throw new Error(`the search failed: ${r.error}`);
  if (r.verdict === "violation" && r.failure === undefined) throw new Error("the universe has no expectations to fail");
  return {
    verdict: r.verdict,
    ...(r.bound === undefined || r.bound === "depth" ? {} : { bound: r.bound }),
    states: r.states, transitions: r.transitions, depth: r.depth,
    ...(r.failure === undefined ? {} : { violation: r.failure }),
    ...(passedOver === undefined ? {} : { passedOver }),
    companions, coverage,
    collisionOdds: options.symmetry === true ? symmetryCollisionOdds(universe, r.states, r.transitions) : r.collisionOdds, tableBytes: r.tableBytes,
    ...(r.fullyExpanded === undefined ? {} : { fullyExpanded: r.fullyExpanded }),
    path: r.path,
    tables: r.tables,
  };
}

/**
 * The laws' judgement of one transition as pure functions of the step (the
 * search core keeps each in a memo table of its own, so each is found again
 * by what it alone reads): first the chart edges taken (their indices in
 * `chartEdges()`), then each law's check (a message or null), then each
 * law's companion (reached or not).
 */
export function lawEvaluators(laws: readonly Law[]): ((step: LawStep) => unknown)[] {
  const edges = chartEdges();
  const taken = (step: LawStep): number[] => {
    const coverage: Record<string, boolean> = {};
    noteCoverage(step.before, step.after, coverage, step.event);
    return Object.keys(coverage).map((e) => edges.indexOf(e));
  };
  return [taken, ...laws.map((law) => (step: LawStep): string | null => law.check(step)), ...laws.map((law) => (step: LawStep): boolean => law.reached(step))];
}

/**
 * Reads the evaluators' values of one transition (`lawEvaluators`): marks the
 * chart edges taken in `coverage` and each law's companion reached (at the
 * step's depth) in `companions`, up to the first law broken, which it returns.
 * It marks in `retired` the evaluators whose values no longer matter (the
 * coverage once every edge is taken, a companion once reached): the search
 * core skips them, and their value is then undefined.
 */
export function lawNoter(laws: readonly Law[], companions: Record<string, number | null>, coverage: Record<string, boolean>, retired: boolean[] = []): (values: readonly unknown[], depth: () => number) => { law: Law; message: string } | null {
  const edges = chartEdges();
  let uncovered = edges.filter((e) => coverage[e] !== true).length;
  const n = laws.length;
  return (values, depth) => {
    const taken = values[0] as readonly number[] | undefined;
    if (taken !== undefined) {
      for (const e of taken) {
        if (coverage[edges[e]!] !== true) uncovered--;
        coverage[edges[e]!] = true;
      }
      if (uncovered === 0) retired[0] = true;
    }
    for (let l = 0; l < n; l++) {
      const law = laws[l]!;
      if (values[1 + n + l] === true && companions[law.name] === null) {
        companions[law.name] = depth();
        retired[1 + n + l] = true;
      }
      const broken = values[1 + l] as string | null;
      if (broken !== null) return { law, message: broken };
    }
    return null;
  };
}

export interface Move {
  readonly event: ModelEvent;
  /** The drivers' positions after the move, when it changes them. */
  readonly slots?: readonly DriverSlot[];
}

/**
 * The universe as a space of the search core: lane i is driver d(i+1); it
 * starts (init) in a namespace, then issues up to its operations; a driver
 * counts an operation when it starts it. With symmetry, states are keyed by
 * checker/symmetry.ts (which folds the drivers' positions in).
 */
export function universeSpace(universe: Universe, symmetry = false): Space<readonly DriverSlot[], Violation> {
  const symmetric = symmetry ? symmetricKey(universe) : null;
  const nodeLane = (universe.faults && (universe.nodes ?? 0) > 0) || universe.gcs === true;
  // A started driver's commands depend only on the handles it holds and its operations: listed once per
  // (driver, operations, handles record) — immer keeps a record's identity while it is unchanged.
  const cache: WeakMap<object, Command[]>[][] = [];
  const commandsOf = (state: State, slot: DriverSlot, i: number): Command[] => {
    const held = slot.job === null ? undefined : state.handles[slot.job];
    if (held === undefined) return driverCommands(universe, state, slot, i);
    const byOps = ((cache[i] ??= [])[slot.ops] ??= new WeakMap());
    let commands = byOps.get(held);
    if (commands === undefined) {
      commands = driverCommands(universe, state, slot, i);
      byOps.set(held, commands);
    }
    return commands;
  };
  return {
    root: universeRoot(universe),
    start: Array.from({ length: universe.drivers }, () => ({ job: null, ops: 0 })),
    crashes: universe.faults,
    pureAdvance: true,
    lanes(state, slots, out) {
      slots.forEach((slot, i) => {
        if (slot.job !== null && state.jobs[slot.job] === undefined) return; // exited
        out.push({ lane: i, caller: slot.job, commands: () => commandsOf(state, slot, i) });
      });
      // The cluster's lane (with nodes and faults: a node's death, its drain for preemption; with gcs: the GCS's stop and start).
      if (nodeLane) {
        const faults = nodeFaults(universe, state);
        if (faults.length > 0) out.push({ lane: slots.length, caller: null, commands: faults });
      }
    },
    advance(step) {
      const { move, pos: slots } = step;
      if (move.kind !== "command" || move.lane === null || move.lane >= slots.length) return { pos: slots };
      const i = move.lane;
      // The job init gave, from its answer (an init refused makes none).
      if (move.event.type === "init") {
        const answer = step.observations[0]?.result;
        if (answer?.kind !== "driver") return { pos: slots };
        return { pos: slots.map((s, j) => (j === i ? { job: answer.job, ops: 0 } : s)) };
      }
      return { pos: slots.map((s, j) => (j === i ? { job: s.job, ops: s.ops + 1 } : s)) };
    },
    posKey: (slots) => {
      let k = "";
      for (const s of slots) k += `${s.job ?? "-"}:${s.ops}|`;
      return k;
    },
    ...(symmetric === null ? {} : { stateKey: symmetric }),
  };
}

/** Every move from a node, as the search core lists them (for worker threads and tests). */
export function successors(universe: Universe, node: Node): Move[] {
  const space = universeSpace(universe);
  return movesOf(space, node.state, node.slots).map((m) => {
    const advanced = space.advance({ before: node.state, pos: node.slots, move: m, after: node.state, observations: [], settled: false, depth: 0, path: () => [] });
    const slots = "pos" in advanced ? advanced.pos : node.slots;
    return slots === node.slots ? { event: m.event } : { event: m.event, slots };
  });
}

/** Replays a trace from the initial state, collecting each event's observations. */
export function observationsOf(universe: Universe, trace: readonly ModelEvent[]): Observation[][] {
  let state = universeRoot(universe);
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
export function noteCoverage(before: State, after: State, coverage: Record<string, boolean>, event?: ModelEvent): void {
  // ray.kill(no_restart=False) kills the worker (or cancels a creation: the actor then dies of RAY_KILL, as a destroy does).
  const workerKilled = event?.type === "kill.processed" && !event.noRestart ? event.actor : null;
  for (const id in before.actors) {
    const was = before.actors[id]!;
    const now: Actor | undefined = after.actors[id] ?? after.destroyed[id];
    if (now === undefined) continue;
    const edge = edgeOf(was, now, id === workerKilled);
    if (edge !== null) coverage[edge] = true;
  }
}

function edgeOf(was: Actor, now: Actor, workerKilled: boolean): string | null {
  const from = was.lifecycle;
  const to = now.lifecycle;
  if (from === to) return from === "RESTARTING" && now.numRestarts > was.numRestarts ? "RESTARTING -worker.died-> RESTARTING" : null;
  const event = to === "PENDING_CREATION" ? "dependencies.resolved"
    : to === "ALIVE" ? "creation.succeeded"
    : to === "RESTARTING" ? "worker.died"
    : workerKilled || now.deathCause === "WORKER_DIED" || now.deathCause === "INTENDED_USER_EXIT" ? "worker.died" : "actor.destroyed";
  return `${from} -${event}-> ${to}`;
}
