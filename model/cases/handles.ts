import type { Command } from "../command.js";
import { CLASSES } from "../classes.js";
import { fail, reply, type D, type Effects } from "../effects.js";
import { deathMessage, destroy, workerDied } from "../mechanics.js";
import type { ClassData } from "../classes.js";
import { selectActor, selectRestartsLeft, type Actor, type Inflight } from "../state.js";
import { bug } from "../mutants.js";
import { callerCanRun, holdsHandle, removeHandle } from "./common.js";

type Call = Extract<Command, { type: "call" }>;
type Kill = Extract<Command, { type: "kill" }>;
type Drop = Extract<Command, { type: "drop" }>;

/** A method call through a handle: it runs on the actor the handle is bound to, or fails if that actor is DEAD. */
export function call(d: D, cmd: Call, fx: Effects): void {
  if (!callerCanRun(d, cmd.caller, fx) || !holdsHandle(d, cmd.caller, cmd.actor, fx)) return;
  let actor = selectActor(d, cmd.actor);
  if (bug(d, "handle-follows-name") && actor.name !== null) {
    const holder = d.names[actor.namespace]?.[actor.name];
    if (holder !== undefined && holder !== actor.id && d.actors[holder]!.lifecycle === "ALIVE") actor = d.actors[holder]!;
  }
  // The handle checks the method and its arguments before anything is sent,
  // so these fail the same way whether the actor is alive or DEAD (found by
  // rollcall fuzz on Ray: AttributeError, not ActorDiedError).
  const method = CLASSES[actor.cls].methods[cmd.method];
  if (method === undefined) {
    fail(fx, cmd.caller, "InvalidArgument", `'ActorHandle' object has no attribute '${cmd.method}'`, "validate.method");
    return;
  }
  if ((cmd.args ?? []).length > 0) {
    fail(fx, cmd.caller, "InvalidArgument", `${actor.cls}.${cmd.method}() takes no arguments`, "validate.method");
    return;
  }
  if (actor.lifecycle === "DEAD") {
    fail(fx, cmd.caller, "ActorDied", deathMessage(actor as Actor), "call.dead");
    return;
  }
  if (actor.lifecycle === "ALIVE" && selectRestartsLeft(actor as Actor) > 0) {
    // At-most-once (max_task_retries=0): the call is in flight until the
    // actor answers; a death of its process in between fails it, restart or not.
    d.inflight[cmd.caller] = { op: "call", next: "execute", actor: actor.id, method: cmd.method, incarnation: actor.incarnation };
    fx.rules.push("call.sent");
    return;
  }
  execute(d, cmd.caller, actor.id, cmd.method, fx);
}

/** A call in flight reaches its actor: it runs if the process it was sent to still lives, else it fails. */
export function continueCall(d: D, caller: string, inflight: Extract<Inflight, { op: "call" }>, fx: Effects): void {
  delete d.inflight[caller];
  const actor = selectActor(d, inflight.actor);
  if (actor.lifecycle === "ALIVE" && actor.incarnation === inflight.incarnation) {
    execute(d, caller, actor.id, inflight.method, fx);
    return;
  }
  fail(fx, caller, "ActorDied", deathMessage(actor as Actor), "call.lostInFlight");
}

/** Runs a validated method on a live (or about to be restarted) actor and replies with its value. */
function execute(d: D, caller: string, actorId: string, methodName: string, fx: Effects): void {
  const actor = selectActor(d, actorId);
  const method = CLASSES[actor.cls].methods[methodName]!;
  const result = method(actor.data as ClassData);
  if ("raised" in result) {
    // The format has no kind for an exception raised by a method; InvalidArgument is the nearest (REPORT.md).
    fail(fx, caller, "InvalidArgument", result.raised, "call.raised");
    return;
  }
  d.actors[actor.id].data = result.data as never; // not DEAD, so registered
  reply(fx, caller, { kind: "value", value: result.value }, "call.ok");
}

/** `ray.kill(handle, no_restart)`: sent to the GCS fire-and-forget; the caller does not wait. */
export function kill(d: D, cmd: Kill, fx: Effects): void {
  if (!callerCanRun(d, cmd.caller, fx) || !holdsHandle(d, cmd.caller, cmd.actor, fx)) return;
  d.kills.push({ actor: cmd.actor, noRestart: cmd.noRestart ?? true, by: cmd.caller });
  reply(fx, cmd.caller, { kind: "ok" }, "kill.sent");
}

/** The GCS handles a kill: destroy (no_restart=True), or kill the process and maybe restart (no_restart=False). */
export function killProcessed(d: D, actorId: string, noRestart: boolean, fx: Effects): void {
  const index = d.kills.findIndex((k) => k.actor === actorId && k.noRestart === noRestart);
  if (index >= 0) d.kills.splice(index, 1);
  const actor = d.actors[actorId];
  if (actor === undefined) {
    fx.rules.push("kill.gone");
  } else if (noRestart) {
    destroy(d, actor, "RAY_KILL", fx, bug(d, "kill-keeps-name"));
    fx.rules.push("kill.destroy");
  } else if (actor.lifecycle === "ALIVE" || actor.lifecycle === "PENDING_CREATION" || actor.lifecycle === "RESTARTING") {
    // The worker is force-exited (or its scheduling cancelled); the restart
    // (if any) uses one up. With none left the death cause is WORKER_DIED,
    // not RAY_KILL (GcsActorManager::KillActor).
    fx.rules.push(workerDied(d, actor, "WORKER_DIED", true, fx) ?? "kill.restart");
  } else {
    fx.rules.push("kill.noop");
  }
}

/** `del handle`: the caller lets go of every handle it holds to the actor. */
export function drop(d: D, cmd: Drop, fx: Effects): void {
  if (!callerCanRun(d, cmd.caller, fx)) return;
  removeHandle(d, cmd.caller, cmd.actor);
  reply(fx, cmd.caller, { kind: "ok" }, "drop.ok");
}
