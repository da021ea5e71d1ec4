import type { Command } from "../command.js";
import { CLASSES } from "../classes.js";
import { fail, reply, type D, type Effects } from "../effects.js";
import { deathMessage, destroy, workerDied } from "../mechanics.js";
import type { ClassData } from "../classes.js";
import { selectActor, type Actor } from "../state.js";
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
  const result = method(actor.data as ClassData);
  if ("raised" in result) {
    // The format has no kind for an exception raised by a method; InvalidArgument is the nearest (REPORT.md).
    fail(fx, cmd.caller, "InvalidArgument", result.raised, "call.raised");
    return;
  }
  d.actors[actor.id].data = result.data as never; // not DEAD, so registered
  reply(fx, cmd.caller, { kind: "value", value: result.value }, "call.ok");
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
