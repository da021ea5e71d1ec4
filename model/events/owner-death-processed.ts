import { destroy, destroyKeys } from "../mechanics.js";
import type { MutantName } from "../mutants.js";
import { selectOwnerAlive, type Actor, type State } from "../state.js";
import { outOfScopeEvent } from "./actor-out-of-scope.js";
import { defineActorEvent, type BugDef } from "./define.js";
import { lineageEvent } from "./lineage-released.js";

/**
 * The GCS learned that an actor's owner died (a driver's exit, an owner
 * actor's death): a non-detached actor fate-shares with its owner and is
 * destroyed (OWNER_DIED). So is an actor whose constructor's arguments were
 * never resolved when its creator dies, detached ones too
 * (docs/semantics.md#states, (8)). While this is pending for an actor, none
 * of its other events is (the registry's `exclusive`).
 */
export const rules = {
  "owner.died": ["A non-detached actor fate-shares with its owner: when the owner dies, the actor is destroyed (OWNER_DIED) and its name freed.", "docs/semantics.md#owner.died"],
} as const;

/** The owner of a non-detached actor is dead, or the creator of an unresolved actor is. */
export function ownerGone(state: State, actor: Actor): boolean {
  if (actor.owner !== null) return !selectOwnerAlive(state, actor.owner);
  return creatorGone(state, actor);
}

function creatorGone(state: State, actor: Actor): boolean {
  return actor.lifecycle === "DEPENDENCIES_UNREADY" && !selectOwnerAlive(state, actor.creator);
}

export const ownerDeathProcessed = defineActorEvent({
  type: "owner.death.processed",
  group: "actor",
  exclusive: true,
  enabled: (state, actor) => (ownerGone(state, actor) ? [{ type: "owner.death.processed", actor: actor.id }] : []),
  apply(d, event, fx) {
    destroy(d, d.actors[event.actor], "OWNER_DIED", fx);
    fx.rules.push("owner.died");
  },
  footprint: (s, e, k) => destroyKeys(s, s.actors[e.actor]!, k),
});

/** An actor whose owner is dead but whose death the GCS never processes (the seeded bug owned-outlive-owner). */
function orphaned(state: State, actor: Actor): boolean {
  return actor.owner !== null && !selectOwnerAlive(state, actor.owner);
}

export const bugs = {
  "detached-die-with-job": {
    summary: "detached actors are destroyed when the job that created them ends",
    law: "detached-survive-job",
    overrides: {
      "owner.death.processed": {
        enabled: (state: State, actor: Actor) => {
          const gone = actor.owner !== null ? !selectOwnerAlive(state, actor.owner)
            : (actor.lifecycle !== "DEAD" && state.jobs[actor.job] === undefined) || creatorGone(state, actor);
          return gone ? [{ type: "owner.death.processed", actor: actor.id }] : [];
        },
      },
    },
  },
  "owned-outlive-owner": {
    summary: "the owner's death is never processed: owned actors survive their owner",
    law: "owned-die-with-owner",
    overrides: {
      "owner.death.processed": {
        enabled: (state: State, actor: Actor) => (actor.owner === null && creatorGone(state, actor) ? [{ type: "owner.death.processed", actor: actor.id }] : []),
      },
      // Nor does it go out of scope: its owner, dead, holds nothing the GCS would hear of.
      "actor.out_of_scope": { enabled: (state: State, actor: Actor) => (orphaned(state, actor) ? [] : outOfScopeEvent(state, actor)) },
      "lineage.released": { enabled: (state: State, actor: Actor) => (orphaned(state, actor) ? [] : lineageEvent(state, actor)) },
    },
  },
  "gcs-reload-forgets-children": {
    summary: "a GCS reloaded from Redis forgets who owns the owned actors it reloads (issue #45596, fixed by PR #45791, saw it for the children of detached actors): when their owner dies later they are not destroyed, and leak",
    law: "owned-die-with-owner",
    overrides: {
      "owner.death.processed": {
        enabled: (state: State, actor: Actor) => (ownerGone(state, actor) && !(actor.reloaded === true && actor.owner !== null) ? [{ type: "owner.death.processed", actor: actor.id }] : []),
      },
      "actor.out_of_scope": { enabled: (state: State, actor: Actor) => (actor.reloaded === true && orphaned(state, actor) ? [] : outOfScopeEvent(state, actor)) },
      "lineage.released": { enabled: (state: State, actor: Actor) => (actor.reloaded === true && orphaned(state, actor) ? [] : lineageEvent(state, actor)) },
    },
  },
} as const satisfies Partial<Record<MutantName, BugDef>>;
