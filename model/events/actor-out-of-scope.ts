import type { InternalEvent } from "../event.js";
import { destroy, destroyKeys } from "../mechanics.js";
import { PROFILES } from "../profile.js";
import { selectRestartsLeft, type Actor, type State } from "../state.js";
import { defineActorEvent } from "./define.js";

/**
 * The owner reported that it holds no more strong handles to the actor
 * (reference counting, profiles `ray` and `ray-2.49`). A restartable one is
 * kept, DEAD, holding its name, for lineage reconstruction
 * (IsActorRestartable; lineage-released.ts ends it); any other is destroyed.
 */
export const rules = {
  "scope.destroy": ["When the owner holds no more strong handles, the actor goes out of scope and is destroyed, freeing its name.", "docs/semantics.md#scope.destroy"],
  "scope.kept": ["An out-of-scope actor that could still restart stays registered, DEAD, holding its name, until its lineage is released.", "docs/semantics.md#scope.kept"],
} as const;

/** A non-detached actor whose owner holds no strong handle to it any more (under a profile that counts references). */
export function outOfScope(state: State, actor: Actor): boolean {
  return PROFILES[state.profile].referenceCounting && actor.owner !== null && state.handles[actor.owner.caller]?.[actor.id] !== "strong";
}

/** The guard: out of scope and not yet reported so. */
export function outOfScopeEvent(state: State, actor: Actor): Extract<InternalEvent, { type: "actor.out_of_scope" }>[] {
  return outOfScope(state, actor) && !actor.outOfScope ? [{ type: "actor.out_of_scope", actor: actor.id }] : [];
}

export const actorOutOfScope = defineActorEvent({
  type: "actor.out_of_scope",
  group: "actor",
  enabled: outOfScopeEvent,
  apply(d, event, fx) {
    const actor = d.actors[event.actor];
    const keep = actor.lifecycle !== "DEAD" && selectRestartsLeft(actor as Actor) > 0;
    destroy(d, actor, "OUT_OF_SCOPE", fx, keep);
    fx.rules.push(keep ? "scope.kept" : "scope.destroy");
  },
  footprint(s, e, k) {
    k.write(`actor:${e.actor}`);
    destroyKeys(s, s.actors[e.actor]!, k);
  },
});
