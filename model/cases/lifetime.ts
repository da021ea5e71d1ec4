import type { Command } from "../command.js";
import { reply, type D, type Effects } from "../effects.js";
import { nextJobState } from "../lifecycle.js";
import { destroy, move, workerDied } from "../mechanics.js";
import { CLASSES } from "../classes.js";
import { isJobId, selectRestartsLeft } from "../state.js";
import type { Actor } from "../state.js";
import { callerCanRun } from "./common.js";

type Exit = Extract<Command, { type: "exit" }>;

/** A driver exits (its job finishes, its handles are gone), or an actor calls `exit_actor()`. */
export function exit(d: D, cmd: Exit, fx: Effects): void {
  const caller = cmd.caller;
  if (isJobId(caller)) {
    const job = d.jobs[caller];
    const next = nextJobState(job.lifecycle, { type: "driver.exited" });
    if (next === null) throw new Error(`job chart refuses driver.exited in ${job.lifecycle} (${caller})`);
    job.lifecycle = next;
    d.finished[caller] = job;
    delete d.jobs[caller];
    delete d.handles[caller];
    reply(fx, caller, { kind: "ok" }, "exit.driver");
    return;
  }
  if (!callerCanRun(d, caller, fx)) return;
  reply(fx, caller, { kind: "ok" }, "exit.actor");
  const rule = workerDied(d, d.actors[caller], "INTENDED_USER_EXIT", false, fx);
  if (rule !== null) fx.rules.push(rule);
}

/** Fault: the actor's process dies unexpectedly; it restarts if it may. */
export function crashed(d: D, actorId: string, fx: Effects): void {
  const actor = d.actors[actorId];
  if (actor === undefined || (actor.lifecycle !== "ALIVE" && actor.lifecycle !== "PENDING_CREATION")) {
    fx.rules.push("crash.noop");
    return;
  }
  fx.rules.push(workerDied(d, actor, "WORKER_DIED", true, fx) ?? "crash.restart");
}

/** The GCS scheduled the actor: its constructor's arguments are resolved. */
export function scheduled(d: D, actorId: string, fx: Effects): void {
  const actor = d.actors[actorId];
  move(actor, { type: "dependencies.resolved" });
  fx.rules.push("actor.scheduled");
}

/** The actor's process ran the constructor (first time, or after a restart) with the original arguments. */
export function constructed(d: D, actorId: string, restart: boolean, fx: Effects): void {
  const actor = d.actors[actorId];
  move(actor, { type: "creation.succeeded" });
  actor.data = CLASSES[actor.cls].construct(actor.args) as never;
  fx.rules.push(restart ? "actor.restarted" : "actor.created");
}

/** The GCS learned the owner (or, for an unresolved actor, the creator) died: the actor is destroyed. */
export function ownerDeathProcessed(d: D, actorId: string, fx: Effects): void {
  destroy(d, d.actors[actorId], "OWNER_DIED", fx);
  fx.rules.push("owner.died");
}

/**
 * The owner reported the actor out of scope. A restartable one is kept,
 * DEAD, holding its name, for lineage reconstruction (IsActorRestartable);
 * any other is destroyed.
 */
export function outOfScope(d: D, actorId: string, fx: Effects): void {
  const actor = d.actors[actorId];
  const keep = actor.lifecycle !== "DEAD" && selectRestartsLeft(actor as Actor) > 0;
  destroy(d, actor, "OUT_OF_SCOPE", fx, keep);
  fx.rules.push(keep ? "scope.kept" : "scope.destroy");
}

/** The actor's last lineage reference went away: it is destroyed (REF_DELETED). */
export function lineageReleased(d: D, actorId: string, fx: Effects): void {
  const actor = d.actors[actorId];
  // Ray upgrades a kept OUT_OF_SCOPE death to REF_DELETED; other causes stay.
  if (actor.lifecycle === "DEAD" && actor.deathCause === "OUT_OF_SCOPE") actor.deathCause = "REF_DELETED";
  destroy(d, actor, "REF_DELETED", fx);
  fx.rules.push("lineage.destroy");
}
