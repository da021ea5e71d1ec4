import { fail, type D, type Effects } from "../effects.js";
import { deathMessage } from "../mechanics.js";
import type { Actor, HandleKind } from "../state.js";
import { isJobId, selectActor } from "../state.js";

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
