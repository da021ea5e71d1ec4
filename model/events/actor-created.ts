import { CLASSES } from "../classes.js";
import type { D, Effects } from "../effects.js";
import type { InternalEvent } from "../event.js";
import { move, workerDied, workerDiedKeys } from "../mechanics.js";
import { HEAD, type Actor, type State } from "../state.js";
import { defineActorEvent, type BugDef, type Keys } from "./define.js";
import type { MutantName } from "../mutants.js";

/**
 * The actor's process ran its constructor (PENDING_CREATION → ALIVE), on a
 * node the GCS placed it on. actor-restarted.ts is the same after a restart.
 */
export const rules = {
  "actor.created": ["The actor's constructor ran; it is ALIVE.", "docs/semantics.md#actor.created"],
  "init.raised": ["The constructor raised: a CreationTaskError, never retried whatever max_restarts is; the actor is DEAD (creation_task_failure_context) and its name goes as any failed actor's does.", "docs/semantics.md#init.raised"],
  "init.exited": ["The constructor called sys.exit(1): the process died unexpectedly, a crash, restarted while restarts are left.", "docs/semantics.md#init.exited"],
  "init.exitedZero": ["The constructor called sys.exit(0): an intended exit, never restarted; the actor is DEAD (INTENDED_USER_EXIT).", "docs/semantics.md#init.exitedZero"],
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

/**
 * The constructor runs with the original arguments (first time, or after a
 * restart), on `node` when given. One that fails (`initFails`) ends the
 * process instead, as the GCS's OnWorkerDead sees it: a raise is the worker's
 * USER_ERROR exit, which is never restarted; `sys.exit(1)` a crash;
 * `sys.exit(0)` an intended exit.
 */
export function construct(d: D, actorId: string, node: string | undefined, fx: Effects, rule: "actor.created" | "actor.restarted", raiseIgnored = false): void {
  const actor = d.actors[actorId];
  // Seeded bug init-error-alive: the creation task's exception is taken for a success.
  if (actor.initFails !== undefined && !(raiseIgnored && actor.initFails === "raise")) {
    const how = actor.initFails;
    fx.rules.push(how === "raise" ? "init.raised" : how === "exit" ? "init.exited" : "init.exitedZero");
    const decided = workerDied(d, actor, how === "raise" ? "CREATION_TASK_ERROR" : how === "exit" ? "WORKER_DIED" : "INTENDED_USER_EXIT", how === "exit", fx);
    if (decided !== null) fx.rules.push(decided);
    return;
  }
  move(actor, { type: "creation.succeeded" });
  actor.data = CLASSES[actor.cls].construct(actor.args) as never;
  if (node !== undefined) actor.node = node;
  // OnActorCreationSuccess clears the preempted mark.
  if (actor.preempted !== undefined) delete actor.preempted;
  fx.rules.push(rule);
}

export function constructKeys(s: State, actor: string, k: Keys, raiseIgnored = false): void {
  const a = s.actors[actor];
  if (a?.initFails !== undefined && !(raiseIgnored && a.initFails === "raise")) {
    workerDiedKeys(s, a, a.initFails === "exit", k);
    return;
  }
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

/** The seeded bug of failing constructors. */
export const bugs = {
  "init-error-alive": {
    summary: "the GCS takes a creation task that raised for a success: the actor is ALIVE and serves calls (Ray before PR #14211 kept such an actor ALIVE: issue #13578)",
    law: "failed-constructor-never-alive",
    overrides: {
      "actor.created": {
        apply: (d, e, fx) => construct(d, (e as { actor: string }).actor, (e as { node?: string }).node, fx, "actor.created", true),
        footprint: (s, e, k) => constructKeys(s, (e as { actor: string }).actor, k, true),
      },
      "actor.restarted": {
        apply: (d, e, fx) => construct(d, (e as { actor: string }).actor, (e as { node?: string }).node, fx, "actor.restarted", true),
        footprint: (s, e, k) => constructKeys(s, (e as { actor: string }).actor, k, true),
      },
    },
  },
} as const satisfies Partial<Record<MutantName, BugDef>>;
