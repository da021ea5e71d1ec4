import type { InternalEvent } from "../event.js";
import { destroy, destroyKeys } from "../mechanics.js";
import type { Actor, State } from "../state.js";
import { outOfScope } from "./actor-out-of-scope.js";
import { defineActorEvent } from "./define.js";

/** The last lineage reference of an out-of-scope actor went away: it is destroyed (REF_DELETED). */
export const rules = {
  "lineage.destroy": ["With its lineage released the actor is destroyed (REF_DELETED) and its name freed.", "docs/semantics.md#lineage.destroy"],
} as const;

/** The guard: the actor is out of scope (reported or not). */
export function lineageEvent(state: State, actor: Actor): Extract<InternalEvent, { type: "lineage.released" }>[] {
  return outOfScope(state, actor) ? [{ type: "lineage.released", actor: actor.id }] : [];
}

export const lineageReleased = defineActorEvent({
  type: "lineage.released",
  group: "actor",
  enabled: lineageEvent,
  apply(d, event, fx) {
    const actor = d.actors[event.actor];
    // Ray upgrades a kept OUT_OF_SCOPE death to REF_DELETED; other causes stay.
    if (actor.lifecycle === "DEAD" && actor.deathCause === "OUT_OF_SCOPE") actor.deathCause = "REF_DELETED";
    destroy(d, actor, "REF_DELETED", fx);
    fx.rules.push("lineage.destroy");
  },
  footprint(s, e, k) {
    k.write(`actor:${e.actor}`);
    destroyKeys(s, s.actors[e.actor]!, k);
  },
});
