import { compact } from "./compact.js";
import {
  ALL_METHODS, CLASSES, commandEnabled, crashable, enabledInternalEvents, internalEventEnabled, isCommand, isJobId, selectActor,
  type Command, type CrashFault, type Fault, type Json, type ModelEvent, type State,
} from "../model/index.js";

/** Picks an integer in [0, n): a seeded generator's draw, or fast-check's. */
export type Choose = (n: number) => number;

/** The universe random programs draw from. */
export interface ProgramSpace {
  /** How many drivers may run at once. */
  readonly drivers: number;
  readonly names: readonly string[];
  readonly namespaces: readonly string[];
  /** Inject crashes. */
  readonly faults: boolean;
  /**
   * Worker nodes a program may add (format version 2): with some, programs
   * also add nodes, kill and drain them, start drivers and place actors on
   * them, and ask death causes and placements. Absent or 0: no node event,
   * and every program is what it was before nodes existed.
   */
  readonly nodes?: number;
  /**
   * Constructors that fail (format version 2's initFails): with it, one
   * creation in four asks for a constructor that raises, calls sys.exit(1)
   * or sys.exit(0). Absent: every program is what it was before.
   */
  readonly initFails?: boolean;
  /**
   * GCS restarts (format version 2, feature gcs): the GCS keeps its tables
   * in Redis (`gcsStorage: redis`), and programs stop it and start it again,
   * or restart it at once; while it is stopped they only crash, kill and drop
   * (what goes on without the GCS, on Ray as in the model), then start it.
   * Absent: every program is what it was before.
   */
  readonly gcs?: boolean;
}

export const DEFAULT_SPACE: ProgramSpace = { drivers: 3, names: ["a", "b", "c"], namespaces: ["ns1", "ns2"], faults: true };

/**
 * The next command of a random program, valid in `state` by construction:
 * callers are running drivers and live actors, handles are ones the caller
 * holds. Every operation of the scenario format can come out, faults and a
 * few invalid options included. `choose` decides every choice, so a seeded
 * generator and fast-check share this one definition (and fast-check shrinks
 * programs toward the first choices: init, then plain creates).
 */
export function nextCommand(state: State, choose: Choose, space: ProgramSpace = DEFAULT_SPACE): Command | Fault {
  // Drawn only with GCS restarts on, so other programs keep every draw they had.
  if (space.gcs === true) {
    const gcs = gcsCommand(state, choose);
    if (gcs !== null) return gcs;
  }
  const withNodes = space.nodes !== undefined && space.nodes > 0;
  // With nodes, a program mostly begins by adding one, and starts more drivers.
  if (withNodes && state.nodes === undefined && choose(3) !== 0) return { type: "addNode", caller: "" };
  if (withNodes && choose(3) === 0) {
    const node = nodeCommand(state, choose, space);
    if (node !== null) return notFromDrainingNode(state, node);
  }
  const running = Object.keys(state.jobs);
  const alive: string[] = [];
  for (const id in state.actors) if (crashable(state, id)) alive.push(id);
  if (running.length === 0 || (running.length < space.drivers && choose(8) === 0)) {
    // With nodes, a driver starts on a live worker node half the time (what its node's death does to what it owns is the point).
    // Only on a node alive and not being drained: Ray 2.60's ray.init on a draining node does not return.
    const live = withNodes ? usableNodes(state) : [];
    const node = live.length > 0 && choose(2) === 0 ? pick(choose, live) : undefined;
    return compact({ type: "init", namespace: maybe(choose, space.namespaces), defaultLifetime: choose(6) === 0 ? "detached" : undefined, node });
  }
  if (space.faults && alive.length > 0 && choose(20) === 0) return { type: "actor.crashed", actor: pick(choose, alive) };
  // With nodes, drivers on worker nodes act two times in three when there are some: what they own is what a node's death puts to the test.
  const onNodes = withNodes ? running.filter((j) => state.jobs[j]!.node !== undefined) : [];
  const drivers = onNodes.length > 0 && onNodes.length < running.length && choose(3) !== 0 ? onNodes : running;
  const caller = alive.length > 0 && choose(5) === 0 ? pick(choose, alive) : pick(choose, drivers);
  // With nodes, a third of the moves of drivers are creations, so they own something when their node dies.
  const command = onNodes.length > 0 && isJobId(caller) && choose(3) === 0 ? createCommand(caller, choose, space) : nextCommandBy(state, caller, choose, space);
  if (withNodes && command.type === "create") {
    const kept = notFromDrainingNode(state, command);
    if (kept !== command) return kept;
    // A creation where several worker nodes could take the actor names one (soft affinity, mostly a node
    // other than the creator's): a real cluster's scheduler would pick by load, the model the first added.
    const usable = usableNodes(state);
    if (command.node === undefined && usable.length > 1) {
      const others = usable.filter((id) => id !== callerNode(state, caller));
      return { ...command, node: others.length > 0 && choose(4) !== 0 ? pick(choose, others) : pick(choose, usable), soft: true };
    }
  }
  // With nodes an actor may wait for a node for ever (none alive to take it), and a call to it
  // would never return: ask its state instead. Without nodes every wait ends when the cluster settles.
  if (withNodes && command.type === "call" && !commandEnabled(state, command)) return { type: "state", caller, actor: command.actor };
  return command;
}

/**
 * The next command of a given caller (a running driver or an ALIVE actor),
 * valid in `state` by construction: create, get, list, exit, and through the
 * handles it holds call, kill, drop and state.
 */
export function nextCommandBy(state: State, caller: string, choose: Choose, space: ProgramSpace = DEFAULT_SPACE): Command {
  // An actor calling itself would deadlock in Ray (one thread); programs leave it out.
  const held: string[] = [];
  const handles = state.handles[caller];
  if (handles !== undefined) for (const id in handles) if (id !== caller) held.push(id);
  const op = pick(choose, held.length > 0 ? OPS_WITH_HANDLES : OPS);
  const actor = held.length > 0 ? pick(choose, held) : "";
  switch (op) {
    case "create":
      return createCommand(caller, choose, space);
    case "get":
      return compact({ type: "get", caller, name: pick(choose, space.names), namespace: choose(3) === 0 ? pick(choose, space.namespaces) : undefined });
    case "list":
      return compact({ type: "list", caller, allNamespaces: choose(2) === 0 ? true : undefined });
    case "exit":
      // Drivers exit rarely, so programs build up some history first.
      if (isJobId(caller) && choose(4) !== 0) return { type: "list", caller };
      return { type: "exit", caller };
    case "call": {
      const methods = METHODS[selectActor(state, actor).cls];
      return { type: "call", caller, actor, method: choose(30) === 0 ? pick(choose, ALL_METHODS) : pick(choose, methods) };
    }
    case "kill":
      return compact({ type: "kill", caller, actor, noRestart: choose(3) === 0 ? false : undefined });
    case "drop":
      return { type: "drop", caller, actor };
    default:
      return { type: "state", caller, actor };
  }
}

/**
 * A random creation by `caller`. `hot` pins its name and namespace (race
 * blocks that make every lane contend for one name) and makes it a
 * get-or-create two times in three.
 */
export function createCommand(caller: string, choose: Choose, space: ProgramSpace = DEFAULT_SPACE, hot?: { readonly name: string; readonly namespace: string }): Extract<Command, { type: "create" }> {
  const cls = pick(choose, CLASS_NAMES);
  const args: Json[] = cls === "Greeter" ? [pick(choose, GREETINGS)] : choose(3) === 0 ? [choose(10)] : [];
  const name = hot !== undefined ? hot.name : choose(12) === 0 ? "" : maybe(choose, space.names);
  const command = compact({
    type: "create" as const, caller, cls, args, name,
    namespace: hot !== undefined ? hot.namespace : choose(4) === 0 ? pick(choose, space.namespaces) : undefined,
    lifetime: maybe(choose, LIFETIMES),
    getIfExists: hot !== undefined ? (choose(3) !== 0 ? true : undefined) : choose(3) === 0 ? true : undefined,
    maxRestarts: maybe(choose, MAX_RESTARTS),
  });
  // Drawn only with failing constructors on, so other programs keep every draw they had.
  if (space.initFails !== true || choose(4) !== 0) return command;
  const initFails = pick(choose, INIT_FAILURES);
  // A constructor that always exits, with unlimited restarts, restarts for ever (a file that says so is refused).
  return { ...command, initFails, ...(initFails === "exit" && command.maxRestarts === -1 ? { maxRestarts: 1 } : {}) };
}

const INIT_FAILURES = ["raise", "raise", "exit", "exit0"] as const;

const OPS = ["create", "create", "get", "list", "exit"] as const;
const OPS_WITH_HANDLES = [...OPS, "call", "call", "call", "kill", "drop", "state"] as const;
const CLASS_NAMES = Object.keys(CLASSES) as (keyof typeof CLASSES)[];
const METHODS = Object.fromEntries(CLASS_NAMES.map((c) => [c, Object.keys(CLASSES[c].methods)])) as Record<keyof typeof CLASSES, string[]>;
const GREETINGS = ["hello", "hi"];
const LIFETIMES = ["detached", "non_detached"];
const MAX_RESTARTS = [0, 1, -1];

function pick<T>(choose: Choose, items: readonly T[]): T {
  return items[choose(items.length)];
}

/** Nothing (the option left out) or one of the items. */
function maybe<T>(choose: Choose, items: readonly T[]): T | undefined {
  const i = choose(items.length + 1);
  return i === 0 ? undefined : items[i - 1];
}

/**
 * A creation by a caller on a node being drained for idle termination becomes
 * a list: on Ray 2.60.0 such an actor stays pending (its worker is leased
 * through the creator's raylet), which the model does not say. After a
 * preemption drain it is placed elsewhere, as the model has it.
 */
function notFromDrainingNode(state: State, command: Command | Fault): Command | Fault {
  if (command.type !== "create") return command;
  const node = callerNode(state, command.caller);
  if (node === undefined || state.nodes?.[node]?.drain !== "idle") return command;
  return { type: "list", caller: command.caller };
}

/**
 * A GCS event of a program with GCS restarts, or null for an ordinary move:
 * with the GCS running, one move in ten stops it or restarts it; while it is
 * stopped, a crash, a driver's kill or drop of a handle it holds, or (most
 * often) its start. (A call goes on without the GCS only to an actor the
 * caller has reached before, which a program does not track; a driver's exit
 * is left for when the GCS is back.)
 */
function gcsCommand(state: State, choose: Choose): Command | Fault | null {
  if (state.gcsDown !== true) {
    if (Object.keys(state.jobs).length === 0 || choose(10) !== 0) return null;
    return { type: choose(2) === 0 ? "stopGcs" : "restartGcs", caller: "" };
  }
  const alive = Object.keys(state.actors).filter((id) => crashable(state, id));
  const holders = Object.keys(state.jobs).filter((j) => Object.keys(state.handles[j] ?? {}).length > 0 && state.inflight[j] === undefined);
  const options: (() => Command | Fault)[] = [() => ({ type: "startGcs", caller: "" }), () => ({ type: "startGcs", caller: "" })];
  if (alive.length > 0) options.push(() => ({ type: "actor.crashed", actor: pick(choose, alive) }));
  if (holders.length > 0) {
    const by = (): [string, string] => {
      const caller = pick(choose, holders);
      return [caller, pick(choose, Object.keys(state.handles[caller]!))];
    };
    options.push(() => {
      const [caller, actor] = by();
      return { type: "kill", caller, actor, noRestart: choose(3) !== 0 };
    });
    options.push(() => {
      const [caller, actor] = by();
      return { type: "drop", caller, actor };
    });
  }
  return pick(choose, options)();
}

/** The worker nodes alive and not being drained: where an actor may be placed and a driver may start. */
function usableNodes(state: State): string[] {
  const nodes = state.nodes ?? {};
  return Object.keys(nodes).filter((id) => nodes[id]!.alive && nodes[id]!.drain === undefined);
}

/** The node a caller (a driver or an actor) runs on; undefined for the head. */
function callerNode(state: State, caller: string): string | undefined {
  return isJobId(caller) ? state.jobs[caller]?.node : state.actors[caller]?.node;
}

/**
 * A random node event of a program with nodes (format version 2), valid in
 * `state`: a node added (up to `space.nodes`), a live node killed or drained
 * (for preemption or idle termination), a driver started on a node, a
 * creation with hard or soft affinity to a node (dead ones included: that is
 * how an actor becomes unschedulable), or a caller asking the death cause or
 * placement of an actor it holds. Null when none fits (no node yet and no
 * room for one).
 */
export function nodeCommand(state: State, choose: Choose, space: ProgramSpace): Command | Fault | null {
  const nodes = state.nodes ?? {};
  const ids = Object.keys(nodes);
  const live = ids.filter((id) => nodes[id]!.alive);
  const running = Object.keys(state.jobs);
  const options: (() => Command | Fault | null)[] = [];
  // Nodes come early (three chances in the first choices while there is room for one).
  if (ids.length < (space.nodes ?? 0)) options.push(() => ({ type: "addNode", caller: "" }), () => ({ type: "addNode", caller: "" }), () => ({ type: "addNode", caller: "" }));
  if (live.length > 0) {
    // A node's death mostly strikes one that hosts a driver owning actors (a nemesis aims at what can break).
    const owning = live.filter((n) => running.some((j) => state.jobs[j]!.node === n && Object.values(state.actors).some((a) => a.owner?.caller === j && a.lifecycle !== "DEAD")));
    options.push(() => ({ type: "node.died", node: owning.length > 0 && choose(3) !== 0 ? pick(choose, owning) : pick(choose, live) }));
    options.push(() => ({ type: "drainNode", caller: "", node: pick(choose, live), reason: choose(3) === 0 ? "idle" : "preemption" }));
  }
  const joinable = usableNodes(state);
  if (joinable.length > 0 && running.length < space.drivers) options.push(() => compact({ type: "init" as const, namespace: maybe(choose, space.namespaces), node: pick(choose, joinable) }));
  if (ids.length > 0 && running.length > 0) {
    // Affinity mostly to a node other than the creator's own: what a node's death then does to the
    // creator's actors elsewhere is where implementations go wrong (issue #40864).
    options.push(() => {
      const base = createCommand(pick(choose, running), choose, space);
      const own = state.jobs[base.caller]?.node;
      const others = ids.filter((id) => id !== own);
      const node = others.length > 0 && choose(4) !== 0 ? pick(choose, others) : pick(choose, ids);
      return compact({ ...base, node, soft: choose(2) === 0 ? true : undefined });
    }, () => {
      const base = createCommand(pick(choose, running), choose, space);
      return compact({ ...base, node: pick(choose, ids), soft: choose(2) === 0 ? true : undefined });
    });
  }
  const askers = running.filter((j) => Object.keys(state.handles[j] ?? {}).length > 0);
  if (askers.length > 0) {
    options.push(() => {
      const caller = pick(choose, askers);
      const actor = pick(choose, Object.keys(state.handles[caller]!));
      return choose(2) === 0 ? { type: "cause", caller, actor } : { type: "placement", caller, actor };
    });
  }
  if (options.length === 0) return null;
  return pick(choose, options)();
}

/** True when an event can be taken in a state, as the search core decides it (a crash: its actor is ALIVE; a command: no other in flight for its caller). */
export function eventEnabled(state: State, e: ModelEvent): boolean {
  if (e.type === "actor.crashed") return crashable(state, e.actor);
  if (e.type === "node.died") return state.nodes?.[e.node]?.alive === true;
  if (isCommand(e)) {
    if (e.type !== "init" && e.type !== "continue" && state.inflight[e.caller] !== undefined) return false;
    return commandEnabled(state, e);
  }
  return internalEventEnabled(state, e);
}

/**
 * The node events a random walk with nodes (format version 2) may take: a
 * node added (up to three), a live node's death or drain, a driver started
 * on a node, a creation with (hard or soft) affinity, and the death-cause and
 * placement queries. `choices` decides which.
 */
export function nodeEvents(state: State, choices: readonly number[]): ModelEvent[] {
  const c = (i: number, n: number): number => (choices[i % choices.length]! + i) % n;
  const out: ModelEvent[] = [];
  const nodes = state.nodes ?? {};
  const ids = Object.keys(nodes);
  if (ids.length < 3) out.push({ type: "addNode", caller: "" });
  for (const id of ids) {
    if (!nodes[id]!.alive) continue;
    out.push({ type: "node.died", node: id });
    out.push({ type: "drainNode", caller: "", node: id, reason: c(1, 2) === 0 ? "preemption" : "idle" });
  }
  const running = Object.keys(state.jobs);
  if (ids.length > 0) {
    const node = ids[c(3, ids.length)]!;
    if (running.length < 4) out.push({ type: "init", node });
    if (running.length > 0) {
      const caller = running[c(2, running.length)]!;
      let k = 4;
      const base = createCommand(caller, (n) => c(k++, n));
      out.push(compact({ ...base, node, soft: c(5, 2) === 0 ? true : undefined }));
      const held = Object.keys(state.handles[caller] ?? {});
      if (held.length > 0) {
        const actor = held[c(0, held.length)]!;
        out.push({ type: "cause", caller, actor }, { type: "placement", caller, actor });
      }
    }
  }
  return out;
}

/**
 * Events a random walk may take from a state (the model's tests walk with
 * them): the enabled internal events, crashes of ALIVE actors, continues of
 * commands in flight, and four random commands drawn with `choices` (some of
 * them refused by the model: errors are steps too), each enabled.
 */
export function candidateEvents(state: State, choices: readonly number[], nodes = false): ModelEvent[] {
  const out: ModelEvent[] = [...enabledInternalEvents(state)];
  if (nodes) out.push(...nodeEvents(state, choices));
  for (const id in state.actors) if (crashable(state, id)) out.push({ type: "actor.crashed", actor: id });
  for (const c in state.inflight) out.push({ type: "continue", caller: c });
  for (let i = 0; i < 4; i++) {
    let j = i;
    out.push(nextCommand(state, (n) => (choices[j++ % choices.length]! + i) % n));
  }
  return out.filter((e) => eventEnabled(state, e));
}
