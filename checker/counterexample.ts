import { isJobId, transition, type Command, type ModelEvent, type MutantName, type ProfileName } from "../model/index.js";
import { compact } from "../sim/compact.js";
import { toStep } from "../sim/generate.js";
import { runSettled, settle } from "../sim/settle.js";
import { Store } from "../sim/store.js";
import { parseScenario } from "../sim/scenario/parse.js";
import { runScenario } from "../sim/scenario/run.js";
import { isParallel, type Item, type Scenario, type Step } from "../sim/scenario/types.js";
import { NAMES, namespaceName, universeRoot, type Universe } from "./universe.js";

/**
 * Turns a checker counterexample (a trace of model events that breaks a law
 * under a seeded bug) into a scenario file of the public format whose
 * expectations are what the correct model predicts: it passes on the model
 * and fails on the bug, so it is a conformance vector for any implementation.
 *
 * The trace's commands are kept in order (its internal events and `continue`
 * steps are the cluster's business: scenarios settle). Probes follow, which
 * make a hidden difference visible: each namespace's names looked up, called,
 * listed and created again, and each handle's actor asked for its state. The
 * candidates are tried in order, every step settled first, then ever longer
 * suffixes of the trace as one parallel block (one list per driver), and the
 * first that passes on the model and fails on the bug is reduced: steps are
 * taken out one at a time while it still does both.
 */
export interface CounterexampleScenario {
  readonly scenario: Scenario;
  /** How the scenario runs the trace: settled steps, or a parallel block for its last `parallel` commands. */
  readonly shape: "settled" | "parallel";
  /** The scenario's first failing step on the bug, in words. */
  readonly failsWith: string;
}

type Move =
  | { readonly kind: "command"; readonly command: Exclude<Command, { type: "continue" }> }
  | { readonly kind: "crash"; readonly actor: string }
  | { readonly kind: "killNode"; readonly node: string };

/**
 * The commands and faults of a trace, in order. With nodes, a create whose
 * actor the trace placed on a node asks for that node (soft affinity), so
 * the settled scenario puts it where the trace did (a settled run takes the
 * first node that can take an actor).
 */
export function movesOf(trace: readonly ModelEvent[], universe?: Universe, unplacedTo?: string): Move[] {
  const inits: Move[] = [];
  const out: Move[] = [];
  const placed = universe !== undefined && (universe.nodes ?? 0) > 0 ? placements(universe, trace) : new Map<number, string>();
  trace.forEach((e, i) => {
    if (e.type === "actor.crashed") out.push({ kind: "crash", actor: e.actor });
    else if (e.type === "node.died") out.push({ kind: "killNode", node: e.node });
    else if (e.type === "init") inits.push({ kind: "command", command: e });
    else if (e.type === "create" && e.node === undefined && (placed.has(i) || unplacedTo !== undefined)) out.push({ kind: "command", command: { ...e, node: placed.get(i) ?? unplacedTo!, soft: true } });
    else if (isCommandEvent(e)) out.push({ kind: "command", command: e });
  });
  // Drivers start first, in the trace's order: a start changes nothing another driver can see.
  return [...inits, ...out];
}

function isCommandEvent(e: ModelEvent): e is Exclude<Command, { type: "continue" }> {
  return ["init", "create", "get", "call", "kill", "drop", "exit", "list", "state", "drainNode", "stopGcs", "startGcs"].includes(e.type);
}

/** For each create of the trace (by index) whose actor was placed on a worker node, that node. */
function placements(universe: Universe, trace: readonly ModelEvent[]): Map<number, string> {
  const creating = new Map<string, number>(); // caller → index of its create in flight
  const createdBy = new Map<string, number>(); // actor → index of the create that made it
  const out = new Map<number, string>();
  let state = universeRoot(universe);
  trace.forEach((e, i) => {
    if (e.type === "create") creating.set(e.caller, i);
    const t = transition(state, e);
    for (const o of t.observations) {
      const at = creating.get(o.caller);
      if (at !== undefined && o.result.kind === "handle" && !createdBy.has(o.result.actor)) createdBy.set(o.result.actor, at);
      if (at !== undefined) creating.delete(o.caller);
    }
    if ((e.type === "actor.created" || e.type === "actor.restarted") && e.node !== undefined) {
      const at = createdBy.get(e.actor);
      if (at !== undefined && !out.has(at)) out.set(at, e.node);
    }
    state = t.state;
  });
  return out;
}

/**
 * Builds the scenario for a counterexample, or null when no candidate both
 * passes on the model and fails on the bug (the law broke without anything a
 * caller could observe, within the probes).
 */
/** What the scenario must fail on: the model with a seeded bug, or under another profile (ray-2.49). */
export interface Bug {
  readonly mutant?: MutantName;
  readonly profile?: ProfileName;
}

export function counterexampleScenario(universe: Universe, bug: Bug, trace: readonly ModelEvent[], title: string, about: string): CounterexampleScenario | null {
  const found = fromMoves(universe, bug, movesOf(trace, universe), title, about);
  if (found !== null) return found;
  // With nodes, the creates the trace never placed (their actors were not scheduled yet) may have to run on a
  // given node for the difference to show: each worker node in turn, as soft affinity.
  for (let w = 1; w <= (universe.nodes ?? 0); w++) {
    const placed = fromMoves(universe, bug, movesOf(trace, universe, `n${w}`), title, about);
    if (placed !== null) return placed;
  }
  return null;
}

function fromMoves(universe: Universe, bug: Bug, moves: readonly Move[], title: string, about: string): CounterexampleScenario | null {
  const profile = universe.profile;
  const version = (universe.nodes ?? 0) > 0 || universe.initFails === true || universe.gcs === true ? { version: 2 as const } : {};
  const storage = universe.gcs === true ? { gcsStorage: "redis" as const } : {};
  const judge = (steps: Item[]): string | null => discriminates({ ...version, title, about, profile, ...storage, steps }, bug);
  const lastInit = moves.reduce((k, m, i) => (m.kind === "command" && m.command.type === "init" ? i : k), -1);
  for (let k = moves.length; k > lastInit; k--) {
    const suffix = moves.slice(k);
    if (suffix.some((m) => m.kind !== "command")) continue;
    if (k < moves.length && new Set(suffix.map((m) => (m as { command: { caller: string } }).command.caller)).size < 2) continue;
    const steps = buildSteps(universe, moves, k);
    if (steps === null) continue;
    if (judge(steps) === null) continue;
    const reduced = reduce(steps, judge);
    return {
      scenario: { ...version, title, about, profile, ...storage, steps: reduced },
      shape: k === moves.length ? "settled" : "parallel",
      failsWith: judge(reduced) as string,
    };
  }
  // The same moves in another order, settled: each driver keeps its own order
  // (a bounded number of orders). The search meets each state once, by the
  // first path to it, which may be one a settled run cannot follow.
  let tried = 0;
  for (const order of reorderings(moves, lastInit + 1)) {
    if (++tried > MAX_REORDERINGS) break;
    const steps = buildSteps(universe, order, order.length);
    if (steps === null || judge(steps) === null) continue;
    const reduced = reduce(steps, judge);
    return { scenario: { ...version, title, about, profile, ...storage, steps: reduced }, shape: "settled", failsWith: judge(reduced) as string };
  }
  return null;
}

const MAX_REORDERINGS = 5_000;

/** Orders of the moves after `start` that keep each caller's moves in order (crashes move freely), the given order first. */
function* reorderings(moves: readonly Move[], start: number): Generator<Move[]> {
  const head = moves.slice(0, start);
  const rest = moves.slice(start);
  const key = (m: Move): string => (m.kind !== "command" ? `fault${rest.indexOf(m)}` : "caller" in m.command ? m.command.caller : "");
  const used = rest.map(() => false);
  const out: Move[] = [];
  function* go(): Generator<Move[]> {
    if (out.length === rest.length) {
      yield [...head, ...out];
      return;
    }
    for (let i = 0; i < rest.length; i++) {
      if (used[i]) continue;
      // Only the earliest unused move of each caller may go next.
      if (rest.some((m, j) => j < i && !used[j] && key(m) === key(rest[i]!))) continue;
      used[i] = true;
      out.push(rest[i]!);
      yield* go();
      out.pop();
      used[i] = false;
    }
  }
  yield* go();
}

/**
 * The scenario's steps: the first `k` moves settled, the rest as one parallel
 * block, then the probes. Expectations are the model's, taken from running the
 * moves in the trace's order; a candidate whose block the model does not answer
 * the same way in every interleaving is refused later, when it runs.
 */
function buildSteps(universe: Universe, moves: readonly Move[], k: number): Item[] | null {
  const store = new Store(universe.profile, universeRoot({ ...universe, nodes: 0, mutant: undefined }));
  const labelOf = new Map<string, string>();
  const steps: Step[] = [];
  let drivers = 0;
  try {
    // The universe's worker nodes, first (format version 2): n1, n2, … as the model names them.
    for (let w = 0; w < (universe.nodes ?? 0); w++) {
      const seen = runSettled(store, { type: "addNode", caller: "" });
      const node = seen[0]?.result.kind === "node" ? seen[0].result.node : null;
      if (node === null || node === undefined) throw new Error("addNode failed");
      labelOf.set(node, node);
      steps.push({ do: "addNode", node });
    }
    for (const move of moves) steps.push(runMove(store, move, labelOf, () => `d${++drivers}`));
    // A file does not end with the GCS stopped, and the probes need it.
    if (store.state.gcsDown === true) {
      runSettled(store, { type: "startGcs", caller: "" });
      steps.push({ do: "startGcs" });
    }
    steps.push(...probes(universe, store, labelOf));
  } catch {
    return null; // the trace does not replay settled (a command on an actor the settled run never made)
  }
  const n = universe.nodes ?? 0;
  if (k === moves.length) return steps;
  const prefix: Item[] = steps.slice(0, n + k);
  const block = steps.slice(n + k, n + moves.length);
  const bound = new Set(block.map((s) => s.as).filter((x): x is string => x !== undefined));
  const lists = new Map<string, Step[]>();
  for (const s of block) {
    // A label first bound inside the block is bound by every list that meets it.
    const e = s.expect as { actor?: string } | undefined;
    const step = e?.actor !== undefined && bound.has(e.actor) ? compact({ ...s, expect: undefined, as: e.actor }) : s;
    const list = lists.get(s.by as string) ?? [];
    list.push(step);
    lists.set(s.by as string, list);
  }
  return [...prefix, { parallel: [...lists.values()] }, ...steps.slice(n + moves.length)];
}

/** Runs one move settled on the model's store and writes it as a step expecting what the model saw. */
function runMove(store: Store, move: Move, labelOf: Map<string, string>, newDriver: () => string): Step {
  if (move.kind === "killNode") {
    const label = labelOf.get(move.node);
    if (label === undefined || store.state.nodes?.[move.node]?.alive !== true) throw new Error(`no live node ${move.node}`);
    store.dispatch({ type: "node.died", node: move.node });
    settle(store);
    return { do: "killNode", node: label };
  }
  if (move.kind === "crash") {
    const label = labelOf.get(move.actor);
    if (label === undefined || store.state.actors[move.actor] === undefined) throw new Error(`no actor ${move.actor}`);
    store.dispatch({ type: "actor.crashed", actor: move.actor });
    settle(store);
    return { do: "crash", actor: label };
  }
  const command = move.command;
  if (command.type !== "init" && command.type !== "drainNode" && command.type !== "stopGcs" && command.type !== "startGcs") {
    if (!labelOf.has(command.caller)) throw new Error(`no caller ${command.caller}`);
    if ("actor" in command && !labelOf.has(command.actor)) throw new Error(`no actor ${command.actor}`);
    if (isJobId(command.caller) && store.state.jobs[command.caller] === undefined) throw new Error(`${command.caller} has exited`);
  }
  const before = store.snapshot();
  const seen = runSettled(store, command);
  if (command.type === "init") {
    const answer = seen[0];
    if (answer === undefined || answer.result.kind !== "driver") throw new Error("init failed");
    const label = newDriver();
    labelOf.set(answer.result.job, label);
    return compact({ by: label, do: "init" as const, namespace: command.namespace, defaultLifetime: command.defaultLifetime, node: command.node });
  }
  const answer = seen.find((o) => o.caller === command.caller);
  if (answer === undefined) throw new Error("no answer");
  return toStep(command, answer, labelOf, before, store.state);
}

/**
 * Steps that look at what the trace left behind: for each namespace a fresh
 * driver gets each name (and calls `value` and asks the state of what it
 * finds), lists the names, and creates each name again; each running driver
 * asks the state of every actor it holds.
 */
function probes(universe: Universe, store: Store, labelOf: Map<string, string>): Step[] {
  const steps: Step[] = [];
  const run = (command: Exclude<Command, { type: "continue" | "init" }>): Step => {
    const before = store.snapshot();
    const seen = runSettled(store, command);
    const answer = seen.find((o) => o.caller === command.caller);
    if (answer === undefined) throw new Error("no answer");
    return toStep(command, answer, labelOf, before, store.state);
  };
  for (const id of [...labelOf.keys()]) {
    if (!isJobId(id) || store.state.jobs[id] === undefined) continue;
    for (const actor of Object.keys(store.state.handles[id] ?? {})) steps.push(run({ type: "state", caller: id, actor }));
  }
  // With nodes: each live actor a driver holds crashes once, and its state is asked: what a restart left of
  // max_restarts shows (a preemption restart must not have used one up).
  if ((universe.nodes ?? 0) > 0) {
    for (const id of [...labelOf.keys()]) {
      if (!isJobId(id) || store.state.jobs[id] === undefined) continue;
      for (const actor of Object.keys(store.state.handles[id] ?? {})) {
        if (store.state.actors[actor]?.lifecycle !== "ALIVE") continue;
        store.dispatch({ type: "actor.crashed", actor });
        settle(store);
        steps.push({ do: "crash", actor: labelOf.get(actor)! });
        steps.push(run({ type: "state", caller: id, actor }));
      }
    }
  }
  for (let n = 0; n < universe.namespaces; n++) {
    const namespace = namespaceName(n);
    const seen = runSettled(store, { type: "init", namespace });
    const job = seen[0]!.result.kind === "driver" ? (seen[0]!.result as { job: string }).job : "";
    const label = `p${n + 1}`;
    labelOf.set(job, label);
    steps.push({ by: label, do: "init", namespace });
    for (let i = 0; i < universe.names; i++) {
      const name = NAMES[i]!;
      const got = run({ type: "get", caller: job, name });
      steps.push(got);
      const actor = Object.keys(store.state.handles[job] ?? {}).find((a) => labelOf.get(a) === (got.as ?? (got.expect as { actor?: string } | undefined)?.actor));
      if (actor !== undefined) {
        steps.push(run({ type: "call", caller: job, actor, method: "value" }));
        steps.push(run({ type: "state", caller: job, actor }));
      }
    }
    steps.push(run({ type: "list", caller: job }));
    for (let i = 0; i < universe.names; i++) steps.push(run({ type: "create", caller: job, cls: "Counter", name: NAMES[i]! }));
  }
  return steps;
}

/**
 * Null when the steps are a valid scenario that passes on the model and
 * fails on the bug; otherwise why not. On success returns the bug's failure.
 */
function discriminates(scenario: Scenario, bug: Bug): string | null {
  let loaded;
  try {
    loaded = parseScenario("counterexample.json", JSON.stringify(scenario));
  } catch {
    return null;
  }
  const onModel = runScenario(loaded);
  if (!onModel.passed) return null;
  const onBug = runScenario(loaded, { ...(bug.mutant === undefined ? {} : { mutant: bug.mutant }), ...(bug.profile === undefined ? {} : { profile: bug.profile }) });
  if (onBug.passed || onBug.failure === undefined) return null;
  const f = onBug.failure;
  const where = f.path.list === undefined ? `steps[${f.path.index}]` : `steps[${f.path.index}].parallel[${f.path.list}][${f.path.position}]`;
  return `${where}: expected ${f.expected}, the bug gives ${f.observed}`;
}

/** Takes steps out one at a time (and steps out of parallel lists) while the scenario still discriminates. */
function reduce(steps: Item[], judge: (steps: Item[]) => string | null): Item[] {
  let current = steps;
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = current.length - 1; i >= 0; i--) {
      const item = current[i]!;
      const without = [...current.slice(0, i), ...current.slice(i + 1)];
      if (without.length > 0 && judge(without) !== null) {
        current = without;
        changed = true;
        continue;
      }
      if (!isParallel(item)) continue;
      for (let l = 0; l < item.parallel.length; l++) {
        for (let p = item.parallel[l]!.length - 1; p >= 0; p--) {
          const lists = item.parallel.map((list, j) => (j === l ? [...list.slice(0, p), ...list.slice(p + 1)] : list)).filter((list) => list.length > 0);
          const replaced: Item = lists.length >= 2 ? { parallel: lists } : (lists[0]?.[0] as Item);
          if (lists.length < 2 && lists.flat().length !== 1) continue;
          const candidate = [...current.slice(0, i), replaced, ...current.slice(i + 1)];
          if (judge(candidate) !== null) {
            current = candidate;
            changed = true;
            break;
          }
        }
        if (changed) break;
      }
    }
  }
  return current;
}


/** What checking a universe under a seeded bug found: the shortest violation and a scenario that shows the bug. */
export interface MutantCheck {
  readonly result: import("./explore.js").CheckResult;
  /** Events in the shortest violating trace (the first one found, written as a scenario or not). */
  readonly shortest: number | null;
  /** The scenario of the first violation that could be written as one (a passed-over shorter one is counted in result.passedOver). */
  readonly scenario: CounterexampleScenario | null;
}
