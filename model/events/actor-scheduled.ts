import { move } from "../mechanics.js";
import { defineActorEvent } from "./define.js";

/** The owner resolved the constructor's arguments; the GCS schedules the actor (DEPENDENCIES_UNREADY → PENDING_CREATION). */
export const rules = {
  "actor.scheduled": ["The owner resolved the constructor's arguments and the GCS scheduled the actor.", "docs/semantics.md#actor.scheduled"],
} as const;

export const actorScheduled = defineActorEvent({
  type: "actor.scheduled",
  group: "actor",
  enabled: (_, actor) => (actor.lifecycle === "DEPENDENCIES_UNREADY" ? [{ type: "actor.scheduled", actor: actor.id }] : []),
  apply(d, event, fx) {
    move(d.actors[event.actor], { type: "dependencies.resolved" });
    fx.rules.push("actor.scheduled");
  },
  footprint: (_, e, k) => k.write(`actor:${e.actor}`),
});
