import { destroy, destroyKeys } from "../mechanics.js";
import { placements } from "./actor-created.js";
import { defineActorEvent } from "./define.js";

/**
 * The GCS cannot place an actor whose hard node affinity
 * (`NodeAffinitySchedulingStrategy(node, soft=False)`) names a node that is
 * dead or draining, at its creation or at a restart: it is DEAD, destroyed
 * (its name freed), and calls to it raise ActorUnschedulableError
 * (`ActorUnschedulable`), whatever restarts it had left.
 */
export const rules = {
  "actor.unschedulable": ["An actor whose hard node affinity names a dead or draining node cannot be scheduled: it is destroyed (its name freed) and calls to it fail with ActorUnschedulableError.", "docs/semantics.md#actor.unschedulable"],
} as const;

export const actorUnschedulable = defineActorEvent({
  type: "actor.unschedulable",
  group: "actor",
  enabled: (state, actor) =>
    (actor.lifecycle === "PENDING_CREATION" || actor.lifecycle === "RESTARTING") && placements(state, actor) === null ? [{ type: "actor.unschedulable", actor: actor.id }] : [],
  apply(d, event, fx) {
    destroy(d, d.actors[event.actor], "UNSCHEDULABLE", fx);
    fx.rules.push("actor.unschedulable");
  },
  footprint: (s, e, k) => destroyKeys(s, s.actors[e.actor]!, k),
});
