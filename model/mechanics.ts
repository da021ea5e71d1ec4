import type { Actor, DeathCause } from "./state.js";
import { selectOwnerAlive, selectRestartsLeft } from "./state.js";
import { nextActorState, type ActorChartEvent } from "./lifecycle.js";
import { PROFILES } from "./profile.js";
import { bug } from "./mutants.js";
import { fail, type D, type Effects } from "./effects.js";
import type { RuleId } from "./rules.js";
import type { Draft } from "immer";

/**
 * The shared mechanics of death: a process dying, an actor being destroyed,
 * a name being released. Reducer cases compose these; the rule each picks is
 * recorded in the effects.
 */

type DA = Draft<Actor>;

/** Moves an actor along its lifecycle chart; a move the chart refuses is a bug in the reducer. */
export function move(actor: DA, event: ActorChartEvent): void {
  const next = nextActorState(actor.lifecycle, event);
  if (next === null) throw new Error(`lifecycle chart refuses ${event.type} in ${actor.lifecycle} (actor ${actor.id})`);
  actor.lifecycle = next;
}

/** Ray's ActorDiedError text for a death cause. */
export function deathMessage(actor: Actor): string {
  const head = `The actor died unexpectedly before finishing this task. class_name: ${actor.cls} actor_id: ${actor.id}`;
  switch (actor.deathCause) {
    case "RAY_KILL": return `${head} The actor is dead because it was killed by \`ray.kill\`.`;
    case "OWNER_DIED": return `${head} The actor is dead because its owner has died.`;
    case "OUT_OF_SCOPE": return `${head} The actor is dead because all references to the actor were removed.`;
    case "REF_DELETED": return `${head} The actor is dead because all references to the actor were removed including lineage ref count.`;
    case "INTENDED_USER_EXIT": return `${head} The actor is dead because its worker process has died. Worker exit type: INTENDED_USER_EXIT Worker exit detail: exit_actor() is called.`;
    default: return `${head} The actor is dead because its worker process has died. Worker exit type: SYSTEM_ERROR`;
  }
}

/**
 * The actor's process is gone: it forgets its handles, a command it was running
 * fails, and the actors it owned lose their owner (their death is processed later).
 */
function processGone(d: D, actor: DA, fx: Effects): void {
  actor.incarnation += 1;
  delete d.handles[actor.id];
  if (d.inflight[actor.id] !== undefined) {
    delete d.inflight[actor.id];
    fail(fx, actor.id, "ActorDied", deathMessage(actor), "caller.dead");
  }
}

/**
 * Removes the registry entry for the actor's name. Like Ray's
 * `RemoveActorNameFromRegistry`, it does not check that the entry still maps to
 * this actor: correctness depends on each registration being released once.
 */
function releaseName(d: D, actor: DA): void {
  if (actor.name === null) return;
  const names = d.names[actor.namespace];
  if (names === undefined || names[actor.name] === undefined) return;
  delete names[actor.name];
  if (Object.keys(names).length === 0) delete d.names[actor.namespace];
}

/**
 * `DestroyActor`: the actor's process is killed and it is DEAD. Unless it is
 * kept for lineage reconstruction (`keep`: out of scope yet restartable), it
 * leaves the registered actors and its name is freed.
 */
export function destroy(d: D, actor: DA, cause: DeathCause, fx: Effects, keep = false): void {
  if (d.actors[actor.id] === undefined) return;
  if (actor.lifecycle !== "DEAD") {
    if (actor.lifecycle !== "RESTARTING" && actor.lifecycle !== "DEPENDENCIES_UNREADY") processGone(d, actor, fx);
    actor.deathCause = cause;
  }
  move(actor, { type: "actor.destroyed" });
  if (keep) {
    actor.outOfScope = true;
    return;
  }
  actor.outOfScope = false;
  d.destroyed[actor.id] = actor;
  delete d.actors[actor.id];
  // Unchecked, as in Ray: a name released early (profile ray-2.49) is released
  // again here, taking it from whichever actor holds it now (issue #57690).
  releaseName(d, actor);
  fx.ledger?.destroyed(actor.id);
  trimDestroyed(d, fx);
}

/**
 * `AddDestroyedActorToCache`: the GCS keeps at most the profile's
 * `destroyedActorCache` destroyed actors; beyond it, the one destroyed
 * longest ago is evicted and deleted from the actor table (FIFO). A caller
 * still holding a handle to it keeps what its worker learned (the record,
 * marked `evicted`) until it lets go; then the record is gone.
 */
function trimDestroyed(d: D, fx: Effects): void {
  const cap = d.destroyedActorCache ?? PROFILES[d.profile].destroyedActorCache;
  const ledger = fx.ledger;
  // Without a ledger (immer's drafts: the checker, short runs), the key count bounds the cache's size cheaply.
  if (ledger === undefined && Object.keys(d.destroyed).length <= cap) return;
  let cached = ledger !== undefined ? ledger.cached() : countCached(d);
  if (cached <= cap) return;
  // Evicted records kept for handles: forget those nobody holds any more.
  for (const id of ledger !== undefined ? ledger.heldRecords() : heldRecords(d)) {
    if (!heldByAnyone(d, id)) {
      delete d.destroyed[id];
      ledger?.forgotten(id);
    }
  }
  while (cached > cap) {
    const id = ledger !== undefined ? ledger.oldest() : oldestCached(d);
    if (id === undefined) break;
    const held = heldByAnyone(d, id);
    // A new record, not a change to the old one: copies of earlier states share destroyed records.
    if (held) d.destroyed[id] = { ...d.destroyed[id]!, evicted: true };
    else delete d.destroyed[id];
    ledger?.evicted(id, held);
    cached--;
    fx.rules.push("gcs.destroyedEvicted");
  }
}

function countCached(d: D): number {
  let n = 0;
  for (const id in d.destroyed) if (d.destroyed[id].evicted !== true) n++;
  return n;
}

function oldestCached(d: D): string | undefined {
  for (const id in d.destroyed) if (d.destroyed[id].evicted !== true) return id;
  return undefined;
}

function heldRecords(d: D): string[] {
  const out: string[] = [];
  for (const id in d.destroyed) if (d.destroyed[id].evicted === true) out.push(id);
  return out;
}

function heldByAnyone(d: D, actor: string): boolean {
  for (const caller in d.handles) if (d.handles[caller][actor] !== undefined) return true;
  return false;
}

/** True when a dying actor may restart: restarts left, and detached or its owner alive. */
export function canRestart(d: D, actor: DA): boolean {
  if (selectRestartsLeft(actor) <= 0) return false;
  return actor.owner === null || selectOwnerAlive(d, actor.owner);
}

/**
 * The actor's process died (a crash, an intended exit, or a kill with
 * no_restart=False). It restarts when it may; otherwise it is DEAD for good and
 * its name follows the profile's rule. Returns the rule that decided the
 * name's fate, or null when the actor restarts.
 */
export function workerDied(d: D, actor: DA, cause: DeathCause, restartable: boolean, fx: Effects): RuleId | null {
  const restart = restartable && canRestart(d, actor);
  processGone(d, actor, fx);
  move(actor, { type: "worker.died", canRestart: restart });
  if (restart) {
    actor.numRestarts += 1;
    if (bug(d, "restart-frees-name")) releaseName(d, actor);
    return null;
  }
  actor.deathCause = cause;
  if (actor.detached) {
    destroy(d, actor, cause, fx);
    return "death.detachedFreed";
  }
  switch (bug(d, "double-release") ? "releasedAtDeath" : PROFILES[d.profile].failedOwnedActorName) {
    case "destroyed":
      destroy(d, actor, cause, fx);
      return "death.destroyed";
    case "releasedAtDeath":
      releaseName(d, actor);
      return "death.nameReleased";
    case "kept":
      return "death.nameKept";
  }
}
