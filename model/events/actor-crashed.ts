import { workerDied, workerDiedKeys } from "../mechanics.js";
import type { State } from "../state.js";
import { defineFault } from "./define.js";

/** Fault: the actor's process dies unexpectedly (SIGKILL, OOM, `os._exit`); it restarts if it may. */
export const rules = {
  "crash.whileGcsDown": ["The actor's process died while the GCS was stopped: the GCS processes the death when it starts again, after its reload.", "docs/semantics.md#crash.whileGcsDown"],
  "crash.restart": ["A crashed actor with restarts left (and a live owner, or detached) restarts and keeps its name.", "docs/semantics.md#crash.restart"],
  "crash.dead": ["A crashed actor with no restarts left, or whose owner is dead, is DEAD for good.", "docs/semantics.md#crash.dead"],
  "crash.noop": ["Only a running actor process can crash.", "docs/semantics.md#crash.noop"],
} as const;

/** Whether the actor's process can be crashed (the search and the programs crash ALIVE actors only): it runs, and did not crash already while the GCS was down. */
export function crashable(state: State, actorId: string): boolean {
  const a = state.actors[actorId];
  return a !== undefined && a.lifecycle === "ALIVE" && a.crashedWhileDown !== true;
}

export const actorCrashed = defineFault({
  type: "actor.crashed",
  group: "fault",
  enabling: (_, e, k) => k.read(`actor:${e.actor}`),
  apply(d, event, fx) {
    const actor = d.actors[event.actor];
    if (actor === undefined || (actor.lifecycle !== "ALIVE" && actor.lifecycle !== "PENDING_CREATION")) {
      fx.rules.push("crash.noop");
      return;
    }
    // While the GCS is down nobody processes the death (GcsActorManager::OnWorkerDead runs once the raylet reports it again).
    if (d.gcsDown === true) {
      if (actor.crashedWhileDown !== true) actor.crashedWhileDown = true;
      fx.rules.push("crash.whileGcsDown");
      return;
    }
    fx.rules.push(workerDied(d, actor, "WORKER_DIED", true, fx) ?? "crash.restart");
  },
  footprint(s, e, k) {
    k.read(`actor:${e.actor}`);
    const a = s.actors[e.actor];
    if (a === undefined || (a.lifecycle !== "ALIVE" && a.lifecycle !== "PENDING_CREATION")) return;
    if (s.gcsDown === true) return k.write(`actor:${e.actor}`);
    workerDiedKeys(s, a, true, k);
  },
});
