import type { Actor, DeathCause, Owner } from "./state.js";
import { isJobId, selectOwnerAlive, selectRestartsLeft } from "./state.js";
import { nextActorState, type ActorChartEvent } from "./lifecycle.js";
import { PROFILES, type Profile } from "./profile.js";
import type { MutantName } from "./mutants.js";
import { fail, type D, type Effects } from "./effects.js";
import type { RuleId } from "./rules.js";
import type { Keys } from "./events/define.js";
import type { State } from "./state.js";
import type { Draft } from "immer";

/**
 * The shared mechanics of death: a process dying, an actor being destroyed,
 * a name being released. The events (model/events/*) compose these; the rule
 * each picks is recorded in the effects. Each mechanic has its footprint
 * beside it (what it reads and writes, as model/footprint.ts's keys), and the
 * seeded bugs that live in these mechanics are overrides of the death policy,
 * at the end of this file.
 */

type DA = Draft<Actor>;

export const rules = {
  "death.detachedFreed": ["A detached actor that died for good is destroyed and its name freed.", "docs/semantics.md#death.detachedFreed"],
  "death.nameKept": ["A non-detached actor that died for good of a failure or its own exit stays registered, DEAD, holding its name, while its owner holds it.", "docs/semantics.md#death.nameKept"],
  "death.nameReleased": ["A non-detached actor that died for good releases its name at death but stays registered until destroyed.", "docs/semantics.md#death.nameReleased"],
  "death.destroyed": ["An actor that died for good is destroyed and its name freed.", "docs/semantics.md#death.destroyed"],
  "gcs.destroyedEvicted": ["The GCS caches at most maximum_gcs_destroyed_actor_cached_count (100,000) destroyed actors: one more evicts the one destroyed longest ago (FIFO) and deletes it from the actor table; callers holding a handle to it still know it died.", "docs/semantics.md#gcs.destroyedEvicted"],
} as const;

/**
 * The choices of the death mechanics a seeded bug may change: what a
 * restarting actor's name does (Ray: it keeps it), and what the name of a
 * non-detached actor that died for good does (Ray: the profile's rule).
 */
export interface DeathPolicy {
  readonly releaseNameAtRestart: boolean;
  readonly failedOwnedActorName: (state: State) => Profile["failedOwnedActorName"];
}

const RAY_DEATH: DeathPolicy = {
  releaseNameAtRestart: false,
  failedOwnedActorName: (state) => PROFILES[state.profile].failedOwnedActorName,
};

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
    case "NODE_DIED": return `${head} The actor died because its node has died.`;
    case "CREATION_TASK_ERROR": return `The actor died because of an error raised in its creation task, ray::${actor.cls}.__init__() (pid=0, ip=127.0.0.1, actor_id=${actor.id}) ValueError: the constructor raised (initFails)`;
    case "UNSCHEDULABLE": return "The actor is not schedulable: The node specified via NodeAffinitySchedulingStrategy doesn't exist any more or is infeasible, and soft=False was specified.";
    default: return `${head} The actor is dead because its worker process has died. Worker exit type: SYSTEM_ERROR`;
  }
}

/**
 * The actor's process is gone: it forgets its handles, a command it was running
 * fails, and the actors it owned lose their owner (their death is processed later).
 */
function processGone(d: D, actor: DA, fx: Effects): void {
  actor.incarnation += 1;
  if (actor.node !== undefined) delete actor.node;
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

/**
 * True when a dying actor may restart: restarts left, and detached or its
 * owner alive. A preempted one (its node drained for preemption) with
 * `max_restarts > 0` may restart even with none left, under a profile where
 * preemption restarts are free (RestartActor).
 */
export function canRestart(d: D, actor: DA, preempted = false): boolean {
  if (!(actor.owner === null || selectOwnerAlive(d, actor.owner))) return false;
  if (selectRestartsLeft(actor) > 0) return true;
  return preempted && actor.maxRestarts > 0 && PROFILES[d.profile].preemptionRestartsFree;
}

/**
 * The actor's process died (a crash, an intended exit, or a kill with
 * no_restart=False). It restarts when it may; otherwise it is DEAD for good and
 * its name follows the profile's rule. Returns the rule that decided the
 * name's fate, or null when the actor restarts.
 */
export function workerDied(d: D, actor: DA, cause: DeathCause, restartable: boolean, fx: Effects, preempted = false): RuleId | null {
  const policy = deathPolicy(d);
  const restart = restartable && canRestart(d, actor, preempted);
  processGone(d, actor, fx);
  move(actor, { type: "worker.died", canRestart: restart });
  if (restart) {
    if (preempted && PROFILES[d.profile].preemptionRestartsFree) actor.preemptionRestarts = (actor.preemptionRestarts ?? 0) + 1;
    actor.numRestarts += 1;
    if (policy.releaseNameAtRestart) releaseName(d, actor);
    return null;
  }
  actor.deathCause = cause;
  if (actor.detached) {
    destroy(d, actor, cause, fx);
    return "death.detachedFreed";
  }
  switch (policy.failedOwnedActorName(d)) {
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

/** The footprint of `processGone`. */
function processGoneKeys(a: Actor, k: Keys): void {
  k.write(`actor:${a.id}`);
  k.write(`handles:${a.id}:*`);
  k.write(`inflight:${a.id}`);
}

/** The footprint of `releaseName`. */
function releaseNameKeys(a: Actor, k: Keys): void {
  if (a.name !== null) k.write(`name:${a.namespace}/${a.name}`);
}

/** The footprint of `destroy` (with or without `keep`: conservatively both). */
export function destroyKeys(s: State, a: Actor, k: Keys): void {
  k.read(`actor:${a.id}`);
  if (s.actors[a.id] === undefined) return;
  if (a.lifecycle !== "DEAD" && a.lifecycle !== "RESTARTING" && a.lifecycle !== "DEPENDENCIES_UNREADY") processGoneKeys(a, k);
  k.write(`actor:${a.id}`);
  k.write(`dead:${a.id}`);
  releaseNameKeys(a, k);
  const cap = s.destroyedActorCache ?? PROFILES[s.profile].destroyedActorCache;
  if (Object.keys(s.destroyed).length + 1 > cap) {
    // The cache of destroyed actors may evict (or forget) any older record, depending on who holds handles.
    k.write("actor:*");
    k.write("dead:*");
    k.read("handles:*");
  }
}

/** The footprint of `workerDied` (restart or not, as the state decides). */
export function workerDiedKeys(s: State, a: Actor, restartable: boolean, k: Keys, preempted = false): void {
  const policy = deathPolicy(s);
  k.read(`actor:${a.id}`);
  if (a.owner !== null) k.read(ownerKey(a.owner));
  const restart = restartable && canRestart(s as D, a as DA, preempted);
  processGoneKeys(a, k);
  if (restart) {
    if (policy.releaseNameAtRestart) releaseNameKeys(a, k);
    return;
  }
  k.write(`dead:${a.id}`);
  if (a.detached) {
    destroyKeys(s, { ...a, lifecycle: "DEAD" }, k);
    return;
  }
  switch (policy.failedOwnedActorName(s)) {
    case "destroyed":
      destroyKeys(s, { ...a, lifecycle: "DEAD" }, k);
      return;
    case "releasedAtDeath":
      releaseNameKeys(a, k);
      return;
    case "kept":
      return;
  }
}

/** The key of an owner's liveness: its job's record, or its actor's (lifecycle and incarnation). */
export function ownerKey(owner: Owner): string {
  return isJobId(owner.caller) ? `job:${owner.caller}` : `actor:${owner.caller}`;
}

/** The seeded bugs of the death mechanics: overrides of the death policy. */
export const DEATH_BUGS = {
  "restart-frees-name": {
    summary: "the name is released when the actor starts RESTARTING, so it is up for grabs during the restart",
    law: "name-uniqueness",
    death: { releaseNameAtRestart: true },
  },
  "double-release": {
    summary: "an owned actor that dies releases its name at death and again when destroyed, taking it from the new holder (Ray issue #57690)",
    law: "name-uniqueness",
    death: { failedOwnedActorName: () => "releasedAtDeath" },
  },
} as const satisfies Partial<Record<MutantName, { readonly summary: string; readonly law: string; readonly death: Partial<DeathPolicy> }>>;

const POLICIES = new Map<MutantName, DeathPolicy>(
  Object.entries(DEATH_BUGS).map(([name, b]) => [name as MutantName, { ...RAY_DEATH, ...b.death }]),
);

/** The death policy the state runs under: Ray's, or a seeded bug's override of it. */
function deathPolicy(state: { readonly mutant?: MutantName }): DeathPolicy {
  const m = state.mutant;
  return m === undefined ? RAY_DEATH : POLICIES.get(m) ?? RAY_DEATH;
}
