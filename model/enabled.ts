import type { Command } from "./command.js";
import type { InternalEvent } from "./event.js";
import { PROFILES } from "./profile.js";
import { canonicalJson } from "./fingerprint.js";
import { bug } from "./mutants.js";
import type { Actor, State } from "./state.js";
import { selectActor, selectOwnerAlive } from "./state.js";

/**
 * The internal events enabled in a state, in a documented, deterministic order:
 * actors in creation order, and for each actor owner death, then scope,
 * lineage, scheduling, creation, restart; then the pending kills, oldest first.
 * The settled runner takes the first; the explorer branches on all.
 */
export function enabledInternalEvents(state: State): InternalEvent[] {
  const out: InternalEvent[] = [];
  visitInternalEvents(state, (e) => {
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
  if (group === "") visitKills(state, visit);
  else {
    const actor = state.actors[group];
    if (actor !== undefined) visitActorEvents(state, PROFILES[state.profile].referenceCounting, actor, visit);
  }
  return out;
}

/**
 * Calls `visit` with each enabled internal event in the documented order,
 * stopping early when it returns true. Returns the event it stopped at.
 */
function visitInternalEvents(state: State, visit: (e: InternalEvent) => boolean): InternalEvent | null {
  const refcount = PROFILES[state.profile].referenceCounting;
  for (const id in state.actors) {
    const e = visitActorEvents(state, refcount, state.actors[id], visit);
    if (e !== null) return e;
  }
  return visitKills(state, visit);
}

function visitKills(state: State, visit: (e: InternalEvent) => boolean): InternalEvent | null {
  for (const k of state.kills) {
    if (bug(state, "kill-lost-after-restart") && (state.actors[k.actor]?.numRestarts ?? 0) > 0) continue;
    const e: InternalEvent = { type: "kill.processed", actor: k.actor, noRestart: k.noRestart };
    if (visit(e)) return e;
  }
  return null;
}

/** The internal events of one registered actor, in the documented order (see `enabledInternalEvents`). */
function visitActorEvents(state: State, refcount: boolean, actor: Actor, visit: (e: InternalEvent) => boolean): InternalEvent | null {
  const id = actor.id;
  if (ownerGone(state, actor)) {
    const e: InternalEvent = { type: "owner.death.processed", actor: id };
    return visit(e) ? e : null;
  }
  if (refcount && outOfScope(state, actor)) {
    if (!actor.outOfScope) {
      const e: InternalEvent = { type: "actor.out_of_scope", actor: id };
      if (visit(e)) return e;
    }
    const e: InternalEvent = { type: "lineage.released", actor: id };
    if (visit(e)) return e;
  }
  const type = actor.lifecycle === "DEPENDENCIES_UNREADY" ? "actor.scheduled"
    : actor.lifecycle === "PENDING_CREATION" ? "actor.created"
    : actor.lifecycle === "RESTARTING" && !bug(state, "restart-never-completes") ? "actor.restarted" : null;
  if (type !== null) {
    const e: InternalEvent = { type, actor: id };
    if (visit(e)) return e;
  }
  return null;
}

/** The first internal event of one registered actor, or null (the per-actor part of `firstInternalEvent`). */
export function firstActorEvent(state: State, actor: Actor): InternalEvent | null {
  return visitActorEvents(state, PROFILES[state.profile].referenceCounting, actor, () => true);
}

/** The first pending kill's event, or null. */
export function firstKillEvent(state: State): InternalEvent | null {
  return visitKills(state, () => true);
}

/**
 * True when this internal event is enabled in the state: the same answer as
 * looking for it in `enabledInternalEvents`, looking only at its actor (or
 * the pending kills).
 */
export function internalEventEnabled(state: State, event: InternalEvent): boolean {
  const key = canonicalJson(event);
  const same = (e: InternalEvent): boolean => e.type === event.type && canonicalJson(e) === key;
  if (event.type === "kill.processed") return visitKills(state, same) !== null;
  const actor = state.actors[event.actor];
  return actor !== undefined && visitActorEvents(state, PROFILES[state.profile].referenceCounting, actor, same) !== null;
}

/**
 * The owner of a non-detached actor is dead; or the creator of an actor whose
 * constructor's arguments were never resolved is dead (unresolved actors,
 * detached ones too, die with their creator: docs/semantics.md#states, (8)).
 */
function ownerGone(state: State, actor: Actor): boolean {
  if (actor.owner !== null) return !bug(state, "owned-outlive-owner") && !selectOwnerAlive(state, actor.owner);
  if (bug(state, "detached-die-with-job") && actor.lifecycle !== "DEAD" && state.jobs[actor.job] === undefined) return true;
  return actor.lifecycle === "DEPENDENCIES_UNREADY" && !selectOwnerAlive(state, actor.creator);
}

/** A non-detached actor whose (live) owner holds no strong handle to it any more. */
function outOfScope(state: State, actor: Actor): boolean {
  if (actor.owner !== null && bug(state, "owned-outlive-owner") && !selectOwnerAlive(state, actor.owner)) return false;
  return actor.owner !== null && state.handles[actor.owner.caller]?.[actor.id] !== "strong";
}

/** The first internal event the settled runner takes, or null when the cluster is quiescent. */
export function firstInternalEvent(state: State): InternalEvent | null {
  return visitInternalEvents(state, () => true);
}

/**
 * True when a command can take its first step now. A call waits while its
 * actor is being created or restarted; code inside an actor waits while the
 * actor is not yet (or not again) running; a caller whose kill is not yet
 * processed waits for it.
 */
export function commandEnabled(state: State, command: Command): boolean {
  if (command.type === "init") return true;
  // A caller's requests reach the GCS in order: after its ray.kill, its next
  // step waits until the kill is processed (test_get_actor_after_killed).
  for (const k of state.kills) if (k.by === command.caller) return false;
  if (command.type === "continue") return state.inflight[command.caller] !== undefined;
  const caller = state.actors[command.caller];
  if (caller !== undefined && waiting(caller)) return false;
  if (command.type === "call") return !waiting(selectActor(state, command.actor));
  return true;
}

function waiting(actor: Actor | undefined): boolean {
  // An actor evicted from the GCS's cache of destroyed actors is gone: nothing to wait for.
  if (actor === undefined) return false;
  return actor.lifecycle === "DEPENDENCIES_UNREADY" || actor.lifecycle === "PENDING_CREATION" || actor.lifecycle === "RESTARTING";
}
