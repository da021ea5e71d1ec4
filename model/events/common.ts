import { fail, reply, type D, type Effects } from "../effects.js";
import type { Result } from "../observation.js";
import type { RuleId } from "../rules.js";
import { deathMessage } from "../mechanics.js";
import type { Actor, HandleKind, State } from "../state.js";
import { isJobId, selectActor } from "../state.js";
import type { Keys } from "./define.js";

/**
 * What the commands share: who may run a step, the handles a caller holds,
 * the registry's lookup, and the parts of the commands' guards that are the
 * same for every command.
 */
export const rules = {
  "validate.noHandle": ["A caller can only use an actor through a handle it holds.", "docs/semantics.md#validate.noHandle"],
  "caller.dead": ["Code cannot run inside an actor that is dead.", "docs/semantics.md#caller.dead"],
} as const;

/**
 * Checks that a caller can run code now. A step given to a dead actor fails
 * the way a call to it would; returns false after replying.
 */
export function callerCanRun(d: D, caller: string, fx: Effects): boolean {
  if (isJobId(caller)) return true; // a driver that exited issues no steps (scenarios are checked)
  const actor = selectActor(d, caller);
  if (actor !== undefined && actor.lifecycle === "ALIVE") return true;
  const message = actor === undefined ? `The actor died unexpectedly before finishing this task. actor_id: ${caller}` : deathMessage(actor as Actor);
  fail(fx, caller, "ActorDied", message, "caller.dead");
  return false;
}

/** What `callerCanRun` reads; the same answer. */
export function callerCanRunKeys(s: State, caller: string, k: Keys): boolean {
  if (isJobId(caller)) return true;
  k.read(`actor:${caller}`);
  return selectActor(s, caller)?.lifecycle === "ALIVE";
}

/** Gives a caller a handle to an actor; a strong handle is never weakened. */
export function addHandle(d: D, caller: string, actor: string, kind: HandleKind): void {
  const held = (d.handles[caller] ??= {});
  if (held[actor] !== "strong") held[actor] = kind;
}

/** Takes every handle a caller holds to an actor. */
export function removeHandle(d: D, caller: string, actor: string): void {
  const held = d.handles[caller];
  if (held === undefined) return;
  delete held[actor];
  if (Object.keys(held).length === 0) delete d.handles[caller];
}

/** The actor registered under (namespace, name) in a draft, if any. */
export function lookup(d: D, namespace: string, name: string): string | undefined {
  return d.names[namespace]?.[name];
}

/** Replies InvalidArgument when the caller holds no handle to the actor; returns whether it does. */
export function holdsHandle(d: D, caller: string, actor: string, fx: Effects): boolean {
  if (d.handles[caller]?.[actor] !== undefined) return true;
  fail(fx, caller, "InvalidArgument", `Failed to find a corresponding actor handle for ${actor}`, "validate.noHandle");
  return false;
}

/** What `holdsHandle` reads; the same answer. */
export function holdsHandleKeys(s: State, caller: string, actor: string, k: Keys): boolean {
  k.read(`handles:${caller}:${actor}`);
  return s.handles[caller]?.[actor] !== undefined;
}

/**
 * The guard every command but `init` and `continue` shares: a caller's
 * requests reach the GCS in order, so after its ray.kill its next step waits
 * until the kill is processed (test_get_actor_after_killed); and code inside
 * an actor waits while the actor is not yet (or not again) running.
 */
export function callerFree(state: State, caller: string): boolean {
  for (const k of state.kills) if (k.by === caller) return false;
  return !waiting(state.actors[caller]);
}

/** No kill sent by the caller is pending (the part of the guard `continue` shares). */
export function noKillPending(state: State, caller: string): boolean {
  for (const k of state.kills) if (k.by === caller) return false;
  return true;
}

/** What the shared guard reads (with a command in flight a caller can only continue it: the search core's rule). */
export function callerFreeKeys(caller: string, k: Keys): void {
  k.read(`killsby:${caller}`);
  k.read(`inflight:${caller}`);
  if (!isJobId(caller)) k.read(`actor:${caller}`);
}

/** An actor being created or restarted: calls to it, and code inside it, wait. */
export function waiting(actor: Actor | undefined): boolean {
  // An actor evicted from the GCS's cache of destroyed actors is gone: nothing to wait for.
  if (actor === undefined) return false;
  return actor.lifecycle === "DEPENDENCIES_UNREADY" || actor.lifecycle === "PENDING_CREATION" || actor.lifecycle === "RESTARTING";
}

/**
 * A question to the state API about one actor (`state`, `deathCause`,
 * `placement`): the caller must be able to run; an actor the GCS evicted from
 * its cache of destroyed actors is not found (Ray's GetActorInfo looks only in
 * registered and cached destroyed actors); else `answer` replies.
 */
export function askStateApi(d: D, caller: string, actorId: string, fx: Effects, answer: (actor: Actor) => Result, rule: RuleId): void {
  if (!callerCanRun(d, caller, fx)) return;
  const actor = selectActor(d, actorId);
  if (actor === undefined || actor.evicted === true) {
    fail(fx, caller, "NotFound", `The GCS has no actor ${actorId}: it was destroyed and evicted from the GCS's cache of destroyed actors`, "state.evicted");
    return;
  }
  reply(fx, caller, answer(actor as Actor), rule);
}

/** What `askStateApi` reads. */
export function askStateApiKeys(s: State, caller: string, actorId: string, k: Keys): void {
  if (!callerCanRunKeys(s, caller, k)) return;
  k.read(`actor:${actorId}`);
}
