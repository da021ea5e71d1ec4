import type { D, Effects } from "../effects.js";
import type { InternalEvent } from "../event.js";
import { destroy, destroyKeys, workerDied, workerDiedKeys } from "../mechanics.js";
import type { MutantName } from "../mutants.js";
import type { State } from "../state.js";
import { defineQueueEvent, type BugDef } from "./define.js";

/**
 * The GCS handles a `ray.kill` (sent by kill.ts): destroy the actor
 * (no_restart=True), or kill its process and maybe restart it
 * (no_restart=False). Pending kills are processed in any order; the settled
 * runner takes the oldest first.
 */
export const rules = {
  "kill.destroy": ["A processed ray.kill (no_restart=True) destroys the actor and frees its name.", "docs/semantics.md#kill.destroy"],
  "kill.restart": ["ray.kill(no_restart=False) kills the process; the actor restarts if it has a restart left, using it up, and keeps its name.", "docs/semantics.md#kill.restart"],
  "kill.noop": ["ray.kill(no_restart=False) on an actor not yet scheduled, or DEAD, does nothing.", "docs/semantics.md#kill.noop"],
  "kill.gone": ["ray.kill of an actor already destroyed does nothing.", "docs/semantics.md#kill.gone"],
} as const;

type KillProcessed = Extract<InternalEvent, { type: "kill.processed" }>;

/** The seeded bugs' changes: the actor is DEAD but keeps its name; a reloaded ALIVE actor's worker cannot be reached. */
function apply(d: D, event: KillProcessed, fx: Effects, keepName = false, reloadedUnreachable = false): void {
  const { actor: actorId, noRestart } = event;
  const index = d.kills.findIndex((k) => k.actor === actorId && k.noRestart === noRestart);
  if (index >= 0) d.kills.splice(index, 1);
  const actor = d.actors[actorId];
  if (reloadedUnreachable && actor?.reloaded === true && actor.lifecycle === "ALIVE") {
    // Seeded bug gcs-restart-unkillable: the restarted GCS lost its raylets' addresses, so the kill never reaches the worker.
    fx.rules.push("kill.noop");
  } else if (actor === undefined) {
    fx.rules.push("kill.gone");
  } else if (noRestart) {
    destroy(d, actor, "RAY_KILL", fx, keepName);
    fx.rules.push("kill.destroy");
  } else if (actor.lifecycle === "ALIVE" || actor.lifecycle === "PENDING_CREATION" || actor.lifecycle === "RESTARTING") {
    // The worker is force-exited (or, not created yet, its scheduling
    // cancelled); the restart (if any) uses one up. With none left the death
    // cause is WORKER_DIED for an ALIVE actor (its worker's death), RAY_KILL
    // for one not created yet (GcsActorManager::KillActor restarts it with
    // the kill's death cause; seen on Ray 2.60.0).
    fx.rules.push(workerDied(d, actor, actor.lifecycle === "ALIVE" ? "WORKER_DIED" : "RAY_KILL", true, fx) ?? "kill.restart");
  } else {
    fx.rules.push("kill.noop");
  }
}

/** The guard: every pending kill, oldest first (`skip`: the seeded bug's lost kills). */
function pending(state: State, skip?: (actor: string) => boolean): KillProcessed[] {
  const out: KillProcessed[] = [];
  for (const k of state.kills) if (skip === undefined || !skip(k.actor)) out.push({ type: "kill.processed", actor: k.actor, noRestart: k.noRestart });
  return out;
}

export const killProcessed = defineQueueEvent({
  type: "kill.processed",
  group: "queue",
  enabled: (state) => pending(state),
  enabling: (_, e, k) => k.read(`killfor:${e.actor}`),
  apply: (d, event, fx) => apply(d, event, fx),
  footprint(s, e, k) {
    // Taking out the first entry for the actor keeps the others' order: it commutes with sending a kill of another actor.
    k.write(`killfor:${e.actor}`);
    const entry = s.kills.find((x) => x.actor === e.actor && x.noRestart === e.noRestart);
    if (entry !== undefined) k.write(`killsby:${entry.by}`);
    k.read(`actor:${e.actor}`);
    const a = s.actors[e.actor];
    if (a === undefined) return;
    if (e.noRestart) destroyKeys(s, a, k);
    else if (a.lifecycle === "ALIVE" || a.lifecycle === "PENDING_CREATION" || a.lifecycle === "RESTARTING") workerDiedKeys(s, a, true, k);
  },
});

export const bugs = {
  "kill-keeps-name": {
    summary: "a processed ray.kill marks the actor DEAD but never frees its name",
    law: "name-reusable-after-kill",
    overrides: { "kill.processed": { apply: (d, event, fx) => apply(d, event as KillProcessed, fx, true) } },
  },
  "kill-lost-after-restart": {
    summary: "a ray.kill of an actor that has restarted is never processed (the GCS addresses it to the actor's first worker, which is gone)",
    law: "kill-eventually-processed",
    overrides: { "kill.processed": { enabled: (state: State) => pending(state, (actor) => (state.actors[actor]?.numRestarts ?? 0) > 0) } },
  },
  "gcs-restart-unkillable": {
    summary: "after a GCS restart, ray.kill of an actor that was ALIVE before it does nothing: the restarted GCS lost the address of the actor's raylet (issue #63763, fixed by PR #63764)",
    law: "kill-after-gcs-restart",
    overrides: { "kill.processed": { apply: (d, event, fx) => apply(d, event as KillProcessed, fx, false, true) } },
  },
} as const satisfies Partial<Record<MutantName, BugDef>>;
