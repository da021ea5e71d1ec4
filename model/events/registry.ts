import { NEEDS_GCS, type Command, type CommandType } from "../command.js";
import type { D, Effects } from "../effects.js";
import type { InternalEvent, ModelEvent } from "../event.js";
import { canonicalJson } from "../fingerprint.js";
import { DEATH_BUGS, ownerKey, rules as deathRules } from "../mechanics.js";
import { MUTANT_NAMES, type MutantName } from "../mutants.js";
import type { Actor, State } from "../state.js";
import * as actorCrashed from "./actor-crashed.js";
import * as actorUnschedulable from "./actor-unschedulable.js";
import * as addNode from "./add-node.js";
import * as deathCause from "./death-cause.js";
import * as drainNode from "./drain-node.js";
import * as restartGcs from "./restart-gcs.js";
import * as startGcs from "./start-gcs.js";
import * as stopGcs from "./stop-gcs.js";
import * as nodeDied from "./node-died.js";
import * as placement from "./placement.js";
import * as actorCreated from "./actor-created.js";
import * as actorOutOfScope from "./actor-out-of-scope.js";
import * as actorRestarted from "./actor-restarted.js";
import * as actorScheduled from "./actor-scheduled.js";
import * as call from "./call.js";
import * as common from "./common.js";
import * as continueCommand from "./continue.js";
import * as create from "./create.js";
import type { ActorEventDef, BugDef, CommandDef, EventDef, FaultDef, Keys, QueueEventDef } from "./define.js";
import * as drop from "./drop.js";
import * as exit from "./exit.js";
import * as get from "./get.js";
import * as init from "./init.js";
import * as kill from "./kill.js";
import * as killProcessed from "./kill-processed.js";
import * as lineageReleased from "./lineage-released.js";
import * as list from "./list.js";
import * as ownerDeathProcessed from "./owner-death-processed.js";
import * as stateQuery from "./state-query.js";

/**
 * The registry: every command and every internal event once, each from its
 * own module, and the one dispatcher of the model. The order of the internal
 * events is documented here and nowhere else: actors in creation order, and
 * for each actor owner death (which hides the rest while it is pending),
 * then scope, lineage, scheduling, creation (one per node it may be placed
 * on), restart (likewise), could-not-be-placed; then the pending
 * kills, oldest first. The settled runner takes the first; the explorer
 * branches on all.
 */
const COMMANDS: { readonly [T in CommandType]: CommandDef<T> } = {
  init: init.init,
  create: create.create,
  get: get.get,
  call: call.call,
  kill: kill.kill,
  drop: drop.drop,
  exit: exit.exit,
  list: list.list,
  state: stateQuery.stateQuery,
  continue: continueCommand.continueCommand,
  addNode: addNode.addNode,
  drainNode: drainNode.drainNode,
  cause: deathCause.cause,
  placement: placement.placement,
  stopGcs: stopGcs.stopGcs,
  startGcs: startGcs.startGcs,
  restartGcs: restartGcs.restartGcs,
};

/** The internal events of one actor, in the documented order. */
const ACTOR_EVENTS: readonly ActorEventDef[] = [
  ownerDeathProcessed.ownerDeathProcessed,
  actorOutOfScope.actorOutOfScope,
  lineageReleased.lineageReleased,
  actorScheduled.actorScheduled,
  actorCreated.actorCreated,
  actorRestarted.actorRestarted,
  actorUnschedulable.actorUnschedulable,
] as readonly ActorEventDef[];

/** The internal events of the kill queue. */
const QUEUE_EVENTS: readonly QueueEventDef[] = [killProcessed.killProcessed] as readonly QueueEventDef[];

const FAULTS: readonly FaultDef[] = [actorCrashed.actorCrashed, nodeDied.nodeDied] as readonly FaultDef[];

/** Where the GCS may place an actor now (several nodes: a real cluster picks one of them). */
export { placements } from "./actor-created.js";
export { crashable } from "./actor-crashed.js";

/** Every event type the registry knows: the commands, then the internal events in their order, then the faults. */
export const EVENT_TYPES: readonly ModelEvent["type"][] = [
  ...(Object.keys(COMMANDS) as CommandType[]), ...ACTOR_EVENTS.map((d) => d.type), ...QUEUE_EVENTS.map((d) => d.type), ...FAULTS.map((d) => d.type),
];

/** Every module's rules, in the catalogue's order (model/rules.ts). */
export const EVENT_RULES = {
  ...init.rules, ...create.rules, ...get.rules, ...call.rules, ...common.rules, ...kill.rules, ...drop.rules,
  ...exit.rules, ...list.rules, ...stateQuery.rules, ...continueCommand.rules,
  ...actorScheduled.rules, ...actorCreated.rules, ...actorRestarted.rules, ...killProcessed.rules, ...actorCrashed.rules,
  ...deathRules, ...ownerDeathProcessed.rules, ...actorOutOfScope.rules, ...lineageReleased.rules,
  ...addNode.rules, ...drainNode.rules, ...nodeDied.rules, ...actorUnschedulable.rules, ...deathCause.rules, ...placement.rules,
  ...stopGcs.rules, ...startGcs.rules,
} as const;

/** Every seeded bug, from the module of the event (or the mechanics) it changes. */
const BUG_DEFS: { readonly [name: string]: BugDef | (typeof DEATH_BUGS)[keyof typeof DEATH_BUGS] } = {
  ...create.bugs, ...get.bugs, ...call.bugs, ...list.bugs, ...killProcessed.bugs, ...actorRestarted.bugs,
  ...ownerDeathProcessed.bugs, ...DEATH_BUGS, ...nodeDied.bugs, ...actorCreated.bugs,
};

/**
 * Seeded bugs: plausible mistakes an implementation of named actors could
 * make, each one switchable in the model so the checker, the laws and the
 * scenarios can be shown to catch it (`rollcall check --mutant NAME`,
 * `rollcall run --mutant NAME`). A mutant is data on the state, like a
 * profile: the registry then runs the events with that bug's overrides (each
 * written beside the event it changes); with no mutant the model is Ray.
 * `law` names the law that catches it: a safety law (model/laws/index.ts,
 * LAWS) or a liveness law (model/laws/liveness.ts, LIVENESS_LAWS), which only
 * the liveness analysis of `rollcall check` sees. In MUTANT_NAMES's order.
 */
export const MUTANTS: { readonly [M in MutantName]: { readonly summary: string; readonly law: string } } = Object.fromEntries(
  MUTANT_NAMES.map((name) => {
    const def = BUG_DEFS[name];
    if (def === undefined) throw new Error(`seeded bug ${name} has no definition beside an event`);
    return [name, { summary: def.summary, law: def.law }];
  }),
) as { readonly [M in MutantName]: { readonly summary: string; readonly law: string } };
for (const name in BUG_DEFS) if (!(MUTANT_NAMES as readonly string[]).includes(name)) throw new Error(`seeded bug ${name} is not in MUTANT_NAMES`);

/** The events as a state runs them: Ray's, or with one seeded bug's overrides. */
interface Table {
  readonly commands: { readonly [T in CommandType]: CommandDef<T> };
  readonly actorEvents: readonly ActorEventDef[];
  readonly queueEvents: readonly QueueEventDef[];
  readonly byType: { readonly [type: string]: EventDef };
}

function table(overrides: BugDef["overrides"]): Table {
  const over = <T extends EventDef>(def: T): T => (overrides[def.type] === undefined ? def : { ...def, ...overrides[def.type] } as T);
  for (const type in overrides) {
    const known = type in COMMANDS || [...ACTOR_EVENTS, ...QUEUE_EVENTS, ...FAULTS].some((d) => d.type === type);
    if (!known) throw new Error(`a seeded bug overrides an unknown event ${type}`);
  }
  const commands = Object.fromEntries(Object.entries(COMMANDS).map(([t, d]) => [t, over(d as CommandDef)])) as unknown as Table["commands"];
  const actorEvents = ACTOR_EVENTS.map(over);
  const queueEvents = QUEUE_EVENTS.map(over);
  const faults = FAULTS.map(over);
  const byType = { ...commands } as unknown as { [type: string]: EventDef };
  for (const d of [...actorEvents, ...queueEvents, ...faults]) byType[d.type] = d;
  return { commands, actorEvents, queueEvents, byType };
}

const RAY = table({});
const TABLES = new Map<MutantName, Table>(MUTANT_NAMES.map((name) => {
  const def = BUG_DEFS[name]!;
  return [name, "overrides" in def ? table(def.overrides) : RAY];
}));

function tableOf(state: { readonly mutant?: MutantName }): Table {
  const m = state.mutant;
  return m === undefined ? RAY : TABLES.get(m) ?? RAY;
}

/** Applies one event to a mutable draft: the event's own module decides (model/reducer.ts wraps this in immer). */
export function applyEvent(d: D, event: ModelEvent, fx: Effects): void {
  const t = tableOf(d);
  if (event.type === "continue") {
    const inflight = d.inflight[event.caller];
    if (inflight === undefined) throw new Error(`continue: ${event.caller} has no command in flight`);
    const owner = t.commands[inflight.op === "call" ? "call" : "create"];
    owner.continue!(d, event.caller, inflight, fx);
    return;
  }
  const def = t.byType[event.type];
  if (def === undefined) throw new Error(`unknown event type ${JSON.stringify((event as { type: unknown }).type)}`);
  (def.apply as (d: D, e: ModelEvent, fx: Effects) => void)(d, event, fx);
}

/** The records the event reads and writes in the state: its guard's reads, then its effect's (model/footprint.ts). */
export function eventKeys(state: State, event: ModelEvent, k: Keys): void {
  const t = tableOf(state);
  const def = t.byType[event.type];
  if (def === undefined) throw new Error(`unknown event type ${JSON.stringify((event as { type: unknown }).type)}`);
  if ("group" in def && def.group === "actor") actorGuardKeys(state, event as InternalEvent, k);
  else (def.enabling as (s: State, e: ModelEvent, k: Keys) => void)(state, event, k);
  (def.footprint as (s: State, e: ModelEvent, k: Keys) => void)(state, event, k);
  if (event.type === "continue") {
    const f = state.inflight[event.caller];
    if (f !== undefined) t.commands[f.op === "call" ? "call" : "create"].continueFootprint!(state, event.caller, f, k);
  }
}

/** What an actor's events' guards read: each one's enabledness depends on the events before it (owner death hides the rest). */
function actorGuardKeys(s: State, e: InternalEvent, k: Keys): void {
  if (e.type === "kill.processed") return;
  k.read(`actor:${e.actor}`);
  const a = s.actors[e.actor];
  if (a === undefined) return;
  if (a.owner !== null) {
    k.read(ownerKey(a.owner));
    k.read(`handles:${a.owner.caller}:${a.id}`);
  }
  k.read(ownerKey(a.creator));
  k.read(`job:${a.job}`);
  // Where it may be placed (version 2): whether the cluster has worker nodes, and each one's liveness and drain.
  k.read("nodes");
  if (s.nodes !== undefined) k.read("node:*");
}

/** Calls `visit` with each enabled event of one actor in the documented order, stopping when it returns true; returns that event. */
function visitActor(t: Table, state: State, actor: Actor, visit: (e: InternalEvent) => boolean): InternalEvent | null {
  for (const def of t.actorEvents) {
    const events = def.enabled(state, actor);
    for (const e of events) if (visit(e)) return e;
    if (events.length > 0 && def.exclusive === true) return null;
  }
  return null;
}

function visitQueue(t: Table, state: State, visit: (e: InternalEvent) => boolean): InternalEvent | null {
  for (const def of t.queueEvents) for (const e of def.enabled(state)) if (visit(e)) return e;
  return null;
}

function visitAll(state: State, visit: (e: InternalEvent) => boolean): InternalEvent | null {
  // Every internal event is the GCS's doing: none happens while it is stopped.
  if (state.gcsDown === true) return null;
  const t = tableOf(state);
  for (const id in state.actors) {
    const e = visitActor(t, state, state.actors[id], visit);
    if (e !== null) return e;
  }
  return visitQueue(t, state, visit);
}

/** The internal events enabled in a state, in the documented order. */
export function enabledInternalEvents(state: State): InternalEvent[] {
  const out: InternalEvent[] = [];
  visitAll(state, (e) => {
    out.push(e);
    return false;
  });
  return out;
}

/**
 * The groups of internal events, in the documented order: each registered
 * actor's id (creation order), then "" for the pending kills. The events of a
 * group depend on its actor (or the kill queue) and little else, so the
 * search core keeps each group's events in a memo table of its own
 * (sim/search.ts); `enabledInternalEvents` is their concatenation.
 */
export function internalEventGroups(state: State): string[] {
  return [...Object.keys(state.actors), ""];
}

/** The enabled internal events of one group (an actor's id, or "" for the pending kills), in the documented order. */
export function groupInternalEvents(state: State, group: string): InternalEvent[] {
  const out: InternalEvent[] = [];
  const visit = (e: InternalEvent): boolean => {
    out.push(e);
    return false;
  };
  const t = tableOf(state);
  if (state.gcsDown === true) return out;
  if (group === "") visitQueue(t, state, visit);
  else {
    const actor = state.actors[group];
    if (actor !== undefined) visitActor(t, state, actor, visit);
  }
  return out;
}

/** The first internal event of one registered actor, or null. */
export function firstActorEvent(state: State, actor: Actor): InternalEvent | null {
  return state.gcsDown === true ? null : visitActor(tableOf(state), state, actor, () => true);
}

/** The first pending kill's event, or null. */
export function firstKillEvent(state: State): InternalEvent | null {
  return state.gcsDown === true ? null : visitQueue(tableOf(state), state, () => true);
}

/**
 * True when the cluster has settled: no internal event is enabled, and the
 * GCS runs (while it is stopped nothing happens, yet the cluster is not
 * settled: what is pending happens once it is back).
 */
export function clusterSettled(state: State): boolean {
  return state.gcsDown !== true && firstInternalEvent(state) === null;
}

/** The first internal event the settled runner takes, or null when the cluster is quiescent. */
export function firstInternalEvent(state: State): InternalEvent | null {
  return visitAll(state, () => true);
}

/**
 * True when this internal event is enabled in the state: the same answer as
 * looking for it in `enabledInternalEvents`, looking only at its actor (or
 * the pending kills).
 */
export function internalEventEnabled(state: State, event: InternalEvent): boolean {
  const key = canonicalJson(event);
  const same = (e: InternalEvent): boolean => e.type === event.type && canonicalJson(e) === key;
  const t = tableOf(state);
  if (state.gcsDown === true) return false;
  if (t.queueEvents.some((d) => d.type === event.type)) return visitQueue(t, state, same) !== null;
  const actor = state.actors[(event as { actor: string }).actor];
  return actor !== undefined && visitActor(t, state, actor, same) !== null;
}

/** True when a command can take its first step now (each command's guard, in its module). */
export function commandEnabled(state: State, command: Command): boolean {
  // While the GCS is stopped, what needs it blocks, and so does continuing a creation (its next step is a registration or a lookup).
  if (state.gcsDown === true && (NEEDS_GCS.includes(command.type) || (command.type === "continue" && state.inflight[command.caller]?.op !== "call"))) return false;
  return (tableOf(state).commands[command.type].enabled as (s: State, c: Command) => boolean)(state, command);
}
