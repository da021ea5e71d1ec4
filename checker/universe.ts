import { GCS_LAWS, INIT_LAWS, LAWS, NODE_LAWS, initialState, transition, type Law, type Command, type ModelEvent, type MutantName, type ProfileName, type State } from "../model/index.js";

/**
 * The operations a driver of the checker's universe may issue. Each stands for
 * a family of commands over the universe's names, namespaces and the handles
 * the driver holds.
 */
export const OPERATIONS = ["create", "getIfExists", "get", "call", "kill", "killRestart", "drop", "exitActor", "exit", "list"] as const;
export type Operation = (typeof OPERATIONS)[number];

/** What each operation means, for `--help` and the report. */
export const OPERATION_HELP: Record<Operation, string> = {
  create: "create a named Counter (each name; detached or owned; max_restarts 0 or the bound)",
  getIfExists: "the same with get_if_exists=True, as Counter(1) (other arguments than a plain create's) and max_restarts 0",
  get: "ray.get_actor(name) for each name",
  call: "incr() on each actor the driver holds",
  kill: "ray.kill(handle) (no_restart=True) of each actor the driver holds",
  killRestart: "ray.kill(handle, no_restart=False)",
  drop: "drop (del) each handle the driver holds",
  exitActor: "code inside each actor the driver holds calls ray.actor.exit_actor()",
  exit: "the driver exits (its job finishes)",
  list: "ray.util.list_named_actors()",
};

/** The bounded universe `rollcall check` explores: every program of these drivers within these bounds. */
export interface Universe {
  readonly profile: ProfileName;
  /** Drivers d1..dN; each starts (init) in one of the namespaces, in any order, then issues up to `ops` operations. */
  readonly drivers: number;
  /** Namespaces ns1..nsN the drivers may start in. */
  readonly namespaces: number;
  /** Actor names a..; creates and lookups use them. */
  readonly names: number;
  /** Operations per driver (its init not counted). */
  readonly ops: number;
  /** Operations of each driver, when they differ (`--ops 2,1`); overrides `ops`. */
  readonly driverOps?: readonly number[];
  /** The largest max_restarts a create may ask for (creates ask for 0 or this). */
  readonly maxRestarts: number;
  /** Crashes of live actors at any point (bounded by their restarts). */
  readonly faults: boolean;
  /** The operations drivers may use. */
  readonly operations: readonly Operation[];
  /** A seeded bug to run the model with (model/mutants.ts), or none. */
  readonly mutant?: MutantName;
  /**
   * Worker nodes n1..nN, there from the start (format version 2; absent or
   * 0: the head alone, every count as before). Drivers may start on one;
   * actors are placed on the worker nodes, on any that can take them. With
   * faults, each node may die once and be drained for preemption once, at
   * any point.
   */
  readonly nodes?: number;
  /**
   * Constructors that fail (format version 2's initFails; `--init-fails`):
   * creates may also ask for a Counter whose constructor raises, or calls
   * sys.exit(1), with max_restarts the bound (and get-or-create for one
   * that raises). Absent: every count as before.
   */
  readonly initFails?: boolean;
  /**
   * GCS restarts (format version 2; `--gcs`): the GCS keeps its tables in
   * Redis, and the cluster may stop it once, at any point, and start it
   * again; while it is stopped drivers may only call, kill, drop and exit.
   * Absent: every count as before.
   */
  readonly gcs?: boolean;
}

/**
 * The default bounds (`rollcall check` and `npm start`): two drivers, the
 * first with two operations and the second with one, two namespaces, one
 * name, creates with max_restarts 0 or 2, crashes on, every operation. Every
 * law's companion is reached and every seeded bug is found within them, in
 * seconds (with both drivers at two operations the space is ten times larger).
 */
export const DEFAULT_UNIVERSE: Universe = {
  profile: "ray",
  drivers: 2,
  namespaces: 2,
  names: 1,
  ops: 2,
  driverOps: [2, 1],
  maxRestarts: 2,
  faults: true,
  operations: OPERATIONS,
};

/**
 * The default bounds with worker nodes (`rollcall check --nodes N`, other
 * flags changing them): one driver with two operations, one namespace, two
 * names (a driver on a node owning two actors), max_restarts 0 or 1, crashes
 * and node faults on. With two nodes every node law's companion is reached
 * and each node bug is found in seconds; wider bounds grow fast (each
 * create may land on either node, each node may be drained and die at any
 * point).
 */
export const NODE_UNIVERSE: Universe = {
  profile: "ray",
  drivers: 1,
  namespaces: 1,
  names: 2,
  ops: 2,
  maxRestarts: 1,
  faults: true,
  operations: OPERATIONS,
  nodes: 2,
};

export const NAMES = ["a", "b", "c", "d", "e", "f", "g", "h"] as const;

export function namespaceName(i: number): string {
  return `ns${i + 1}`;
}

/** A driver of the universe: the model job it started (null before its init) and the operations it has issued. */
export interface DriverSlot {
  readonly job: string | null;
  readonly ops: number;
}

/** The commands driver `i` may start now, in a fixed order (a driver with a command in flight continues it instead: sim/search.ts decides). */
export function driverCommands(universe: Universe, state: State, slot: DriverSlot, driver = 0): Command[] {
  if (slot.job === null) {
    // Namespaces are interchangeable until used: a driver starts in one
    // already in use or in the first unused one (ns1 before ns2), which
    // leaves out only renamings of the same runs.
    const out: Command[] = [];
    const open = Math.min(universe.namespaces, namespacesInUse(state) + 1);
    for (let n = 0; n < open; n++) {
      out.push({ type: "init", namespace: namespaceName(n) });
      for (let w = 1; w <= (universe.nodes ?? 0); w++) out.push({ type: "init", namespace: namespaceName(n), node: `n${w}` });
    }
    return out;
  }
  const caller = slot.job;
  if (state.jobs[caller] === undefined) return []; // exited
  if (slot.ops >= opsOf(universe, driver)) return [];
  const ops = new Set(universe.operations);
  const out: Command[] = [];
  const restarts = universe.maxRestarts > 0 ? [0, universe.maxRestarts] : [0];
  for (let n = 0; n < universe.names; n++) {
    const name = NAMES[n]!;
    for (const getIfExists of [false, true]) {
      if (!ops.has(getIfExists ? "getIfExists" : "create")) continue;
      for (const lifetime of ["non_detached", "detached"]) {
        // Restarts are the plain create's business; get-or-create asks for none.
        for (const maxRestarts of getIfExists ? [0] : restarts) {
          // get-or-create asks for Counter(1), a plain create for Counter(): so get-or-create meets actors made with other arguments.
          out.push({ type: "create", caller, cls: "Counter", args: getIfExists ? [1] : [], name, lifetime, maxRestarts, ...(getIfExists ? { getIfExists } : {}) });
        }
        if (universe.initFails === true) {
          const failing = getIfExists ? (["raise"] as const) : (["raise", "exit"] as const);
          for (const initFails of failing) {
            out.push({ type: "create", caller, cls: "Counter", args: getIfExists ? [1] : [], name, lifetime, maxRestarts: getIfExists ? 0 : universe.maxRestarts, initFails, ...(getIfExists ? { getIfExists } : {}) });
          }
        }
      }
    }
    if (ops.has("get")) out.push({ type: "get", caller, name });
  }
  const held = Object.keys(state.handles[caller] ?? {}).sort(byNumber);
  for (const actor of held) {
    if (ops.has("call")) out.push({ type: "call", caller, actor, method: "incr" });
    if (ops.has("kill")) out.push({ type: "kill", caller, actor, noRestart: true });
    if (ops.has("killRestart")) out.push({ type: "kill", caller, actor, noRestart: false });
    if (ops.has("drop")) out.push({ type: "drop", caller, actor });
    if (ops.has("exitActor")) out.push({ type: "exit", caller: actor });
  }
  if (ops.has("list")) out.push({ type: "list", caller });
  if (ops.has("exit")) out.push({ type: "exit", caller });
  return out;
}

/**
 * The cluster's faults the universe allows in a state besides crashes: each
 * live worker node's death, and its drain for preemption if not draining
 * yet; with `gcs`, the GCS's stop (once) and its start.
 */
export function nodeFaults(universe: Universe, state: State): ModelEvent[] {
  const out: ModelEvent[] = [];
  if (universe.gcs === true) {
    if (state.gcsDown === true) out.push({ type: "startGcs", caller: "" });
    else if ((state.gcsRestarts ?? 0) === 0) out.push({ type: "stopGcs", caller: "" });
  }
  if (!universe.faults || (universe.nodes ?? 0) === 0) return out;
  for (const id in state.nodes ?? {}) {
    const node = state.nodes![id]!;
    if (!node.alive) continue;
    out.push({ type: "node.died", node: id });
    if (node.drain === undefined) out.push({ type: "drainNode", caller: "", node: id, reason: "preemption" });
  }
  return out;
}

/** The safety laws a universe is judged by: every law, the laws of nodes only with worker nodes, those of failing constructors only with them. */
export function universeLaws(universe: Universe): readonly Law[] {
  return LAWS.filter((law) => ((universe.nodes ?? 0) > 0 || !NODE_LAWS.includes(law)) && (universe.initFails === true || !INIT_LAWS.includes(law)) && (universe.gcs === true || !GCS_LAWS.includes(law)));
}

/** The universe's first state: a fresh cluster under its profile (and bug) with its worker nodes added. */
export function universeRoot(universe: Universe): State {
  let state = initialState(universe.profile, universe.mutant, universe.gcs === true ? { gcsStorage: "redis" } : undefined);
  for (let w = 0; w < (universe.nodes ?? 0); w++) state = transition(state, { type: "addNode", caller: "" }).state;
  return state;
}

/** How many operations driver `i` (from 0) may issue. */
export function opsOf(universe: Universe, i: number): number {
  return universe.driverOps?.[i] ?? universe.ops;
}

/** How many namespaces drivers have started in so far (they are used in order: ns1, ns2, ...). */
function namespacesInUse(state: State): number {
  const used = new Set<string>();
  for (const id in state.jobs) used.add(state.jobs[id]!.namespace);
  for (const id in state.finished) used.add(state.finished[id]!.namespace);
  return used.size;
}

/** Ids like "a12" or "j3" in numeric order. */
function byNumber(x: string, y: string): number {
  return Number(x.slice(1)) - Number(y.slice(1));
}

/** Checks a universe's bounds, throwing a message naming the flag. */
export function validateUniverse(u: Universe): void {
  const within = (v: number, flag: string, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${flag} must be an integer from ${lo} to ${hi}, got ${v}`);
  };
  within(u.drivers, "--drivers", 1, 6);
  within(u.namespaces, "--namespaces", 1, 4);
  within(u.names, "--names", 1, NAMES.length);
  within(u.ops, "--ops", 0, 8);
  if (u.driverOps !== undefined) {
    if (u.driverOps.length !== u.drivers) throw new RangeError(`--ops gives ${u.driverOps.length} counts for ${u.drivers} drivers`);
    for (const n of u.driverOps) within(n, "--ops", 0, 8);
  }
  within(u.maxRestarts, "--max-restarts", 0, 4);
  if (u.nodes !== undefined) within(u.nodes, "--nodes", 0, 3);
  if (u.operations.length === 0) throw new RangeError("--operations must name at least one operation");
}
