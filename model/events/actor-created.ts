import { CLASSES } from "../classes.js";
import type { D, Effects } from "../effects.js";
import { move } from "../mechanics.js";
import type { State } from "../state.js";
import { defineActorEvent, type Keys } from "./define.js";

/** The actor's process ran its constructor (PENDING_CREATION → ALIVE). actor-restarted.ts is the same after a restart. */
export const rules = {
  "actor.created": ["The actor's constructor ran; it is ALIVE.", "docs/semantics.md#actor.created"],
} as const;

/** The constructor runs with the original arguments (first time, or after a restart). */
export function construct(d: D, actorId: string, fx: Effects, rule: "actor.created" | "actor.restarted"): void {
  const actor = d.actors[actorId];
  move(actor, { type: "creation.succeeded" });
  actor.data = CLASSES[actor.cls].construct(actor.args) as never;
  fx.rules.push(rule);
}

export function constructKeys(_: State, actor: string, k: Keys): void {
  k.write(`actor:${actor}`);
  k.write(`data:${actor}`);
  k.read(`args:${actor}`);
}

export const actorCreated = defineActorEvent({
  type: "actor.created",
  group: "actor",
  enabled: (_, actor) => (actor.lifecycle === "PENDING_CREATION" ? { type: "actor.created", actor: actor.id } : null),
  apply: (d, event, fx) => construct(d, event.actor, fx, "actor.created"),
  footprint: (s, e, k) => constructKeys(s, e.actor, k),
});
