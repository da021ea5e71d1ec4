import { workerDied, workerDiedKeys } from "../mechanics.js";
import { defineFault } from "./define.js";

/** Fault: the actor's process dies unexpectedly (SIGKILL, OOM, `os._exit`); it restarts if it may. */
export const rules = {
  "crash.restart": ["A crashed actor with restarts left (and a live owner, or detached) restarts and keeps its name.", "docs/semantics.md#crash.restart"],
  "crash.dead": ["A crashed actor with no restarts left, or whose owner is dead, is DEAD for good.", "docs/semantics.md#crash.dead"],
  "crash.noop": ["Only a running actor process can crash.", "docs/semantics.md#crash.noop"],
} as const;

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
    fx.rules.push(workerDied(d, actor, "WORKER_DIED", true, fx) ?? "crash.restart");
  },
  footprint(s, e, k) {
    k.read(`actor:${e.actor}`);
    const a = s.actors[e.actor];
    if (a === undefined || (a.lifecycle !== "ALIVE" && a.lifecycle !== "PENDING_CREATION")) return;
    workerDiedKeys(s, a, true, k);
  },
});
