import { CLASSES } from "../classes.js";
import type { D, Effects } from "../effects.js";
import type { InternalEvent } from "../event.js";
import { move } from "../mechanics.js";
import { HEAD, type Actor, type State } from "../state.js";
import { defineActorEvent, type Keys } from "./define.js";

/**
 * The actor's process ran its constructor (PENDING_CREATION → ALIVE), on a
 * node the GCS placed it on. actor-restarted.ts is the same after a restart.
 */
export const rules = {
  "actor.created": ["The actor's constructor ran; it is ALIVE.", "docs/semantics.md#actor.created"],
} as const;

/**
 * The nodes the GCS may place the actor on now, in order, or null when it
 * cannot be placed at all (its hard affinity names a dead or draining node:
 * actor-unschedulable.ts). While the cluster is the head alone, the head.
 * Otherwise: its affinity node if alive and not draining; with soft
 * affinity, or none, every worker node alive and not draining (none: it
 * waits, as Ray's scheduler waits for a node that fits).
 */
export function placements(state: State, actor: Actor): string[] | null {
  const nodes = state.nodes;
  if (nodes === undefined) return [HEAD];
  const usable = (id: string): boolean => nodes[id]?.alive === true && nodes[id].drain === undefined;
  const affinity = actor.affinity;
  if (affinity !== undefined) {
    if (usable(affinity.node)) return [affinity.node];
    if (!affinity.soft) return null;
  }
  return Object.keys(nodes).filter(usable);
}

/** The creation events of an actor, one per node it may be placed on (no node named while the cluster is the head alone). */
export function placedEvents<T extends "actor.created" | "actor.restarted">(state: State, actor: Actor, type: T): Extract<InternalEvent, { type: T }>[] {
  const where = placements(state, actor);
  if (where === null) return [];
  if (state.nodes === undefined) return [{ type, actor: actor.id } as Extract<InternalEvent, { type: T }>];
  return where.map((node) => ({ type, actor: actor.id, node }) as Extract<InternalEvent, { type: T }>);
}

/** The constructor runs with the original arguments (first time, or after a restart), on `node` when given. */
export function construct(d: D, actorId: string, node: string | undefined, fx: Effects, rule: "actor.created" | "actor.restarted"): void {
  const actor = d.actors[actorId];
  move(actor, { type: "creation.succeeded" });
  actor.data = CLASSES[actor.cls].construct(actor.args) as never;
  if (node !== undefined) actor.node = node;
  // OnActorCreationSuccess clears the preempted mark.
  if (actor.preempted !== undefined) delete actor.preempted;
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
  enabled: (state, actor) => (actor.lifecycle === "PENDING_CREATION" ? placedEvents(state, actor, "actor.created") : []),
  apply: (d, event, fx) => construct(d, event.actor, event.node, fx, "actor.created"),
  footprint: (s, e, k) => constructKeys(s, e.actor, k),
});
