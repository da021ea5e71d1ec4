import type { MutantName } from "../mutants.js";
import { construct, constructKeys, placedEvents } from "./actor-created.js";
import { defineActorEvent, type BugDef } from "./define.js";

/**
 * A restarted actor's process ran its constructor again, with the original
 * arguments (RESTARTING → ALIVE), on a node the GCS placed it on (after its
 * node died, another one: actor-created.ts's `placements`).
 */
export const rules = {
  "actor.restarted": ["A restart re-runs the constructor with the original arguments; the actor keeps its id and name.", "docs/semantics.md#actor.restarted"],
} as const;

export const actorRestarted = defineActorEvent({
  type: "actor.restarted",
  group: "actor",
  enabled: (state, actor) => (actor.lifecycle === "RESTARTING" ? placedEvents(state, actor, "actor.restarted") : []),
  apply: (d, event, fx) => construct(d, event.actor, event.node, fx, "actor.restarted"),
  footprint: (s, e, k) => constructKeys(s, e.actor, k),
});

export const bugs = {
  "restart-never-completes": {
    summary: "an actor that starts RESTARTING never runs its constructor again: it stays RESTARTING until killed or orphaned",
    law: "restart-eventually-ends",
    overrides: { "actor.restarted": { enabled: () => [] } },
  },
} as const satisfies Partial<Record<MutantName, BugDef>>;
