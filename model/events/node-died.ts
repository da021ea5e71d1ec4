import { nextJobState } from "../lifecycle.js";
import { destroy, workerDied } from "../mechanics.js";
import { isJobId, type Actor, type Owner, type State } from "../state.js";
import type { D, Effects } from "../effects.js";
import type { Fault, InternalEvent, ModelEvent } from "../event.js";
import { defineFault, type BugDef, type Keys } from "./define.js";
import { ownerDeathProcessed } from "./owner-death-processed.js";
import { actorOutOfScope } from "./actor-out-of-scope.js";
import { lineageReleased } from "./lineage-released.js";

/**
 * Fault (format version 2, `killNode`): a worker node dies, its raylet and
 * every worker process on it, and the GCS handles it as OnNodeDead does
 * (docs/semantics.md#node.died). In this order:
 * 1. every actor owned by a process on the node (a driver there, or an actor
 *    running there) is destroyed, OWNER_DIED, restarts left or not
 *    ("Owner's node has crashed"; all of them: PR #60669); detached actors
 *    have no owner and are untouched, whoever created them (PR #53562);
 * 2. the jobs of the drivers on the node end;
 * 3. every actor running on the node dies of NODE_DIED: it restarts (on
 *    another node, once one can take it) if it may, else it is DEAD for good
 *    and its name follows the usual rules (detached: destroyed, name freed;
 *    owned: kept while its owner holds it, profile `ray`). An actor whose
 *    node was drained for preemption restarts for free (profile `ray`).
 * The model has no clock: the window between the raylet's death and the
 * GCS's health check noticing it (about a second with Ray's test settings)
 * is not modelled, and a death after a preemption drain stands for the
 * preemption at the drain's deadline.
 */
export const rules = {
  "node.died": ["A worker node died: its raylet and every process on it are gone, and the GCS handles its death.", "docs/semantics.md#node.died"],
  "node.ownerDied": ["Every actor owned by a driver or an actor on the dead node is destroyed (OWNER_DIED), even with restarts left; detached actors have no owner and survive.", "docs/semantics.md#node.ownerDied"],
  "node.driverDied": ["A driver on the dead node is gone: its job ends.", "docs/semantics.md#node.driverDied"],
  "node.restart": ["An actor on the dead node with restarts left (and a live owner, or detached) restarts on another node and keeps its id and name.", "docs/semantics.md#node.restart"],
  "node.preempted": ["An actor on a node drained for preemption that restarts after the node's death does not use up max_restarts; with max_restarts > 0 it restarts even with none left.", "docs/semantics.md#node.preempted"],
  "node.gone": ["Only a live node can die.", "docs/semantics.md#node.gone"],
} as const;

/** True when the owner is a process on the node: a driver there, or the incarnation of an actor running there. */
function ownerOn(d: D, owner: Owner, node: string): boolean {
  if (isJobId(owner.caller)) return d.jobs[owner.caller]?.node === node;
  const a = d.actors[owner.caller];
  return a !== undefined && a.node === node && a.incarnation === owner.incarnation && a.lifecycle === "ALIVE";
}

/**
 * How a node's death is handled: as Ray 2.60 does (no variant), or as one of
 * the seeded bugs below does.
 */
interface Variant {
  /** Only the first actor of each owner on the node is destroyed (PR #60669's bug). */
  readonly onePerOwner?: boolean;
  /** Detached actors created by a process on the node are killed with it (issue #40864). */
  readonly detachedWithCreator?: boolean;
  /** A preemption restart uses up max_restarts like any other (Ray before PR #54175). */
  readonly countPreemption?: boolean;
}

/** The creator of a detached actor is a process on the node (the bug detached-killed-with-creator). */
function creatorOn(d: D, a: { readonly detached: boolean; readonly creator: Owner; readonly lifecycle: string }, node: string): boolean {
  return a.detached && a.lifecycle !== "DEAD" && ownerOn(d, a.creator, node);
}

function onNodeDead(d: D, event: { readonly node: string }, fx: Effects, v: Variant = {}): void {
  const node = d.nodes?.[event.node];
  if (node === undefined || !node.alive) {
    fx.rules.push("node.gone");
    return;
  }
  fx.rules.push("node.died");
  const ids = Object.keys(d.actors);
  const owners = new Set<string>();
  const orphans = ids.filter((id) => {
    const owner = d.actors[id].owner;
    if (owner === null || !ownerOn(d, owner, event.node)) return false;
    if (v.onePerOwner === true) {
      if (owners.has(owner.caller)) return false;
      owners.add(owner.caller);
    }
    return true;
  });
  const creations = v.detachedWithCreator === true ? ids.filter((id) => creatorOn(d, d.actors[id], event.node) && d.actors[id].lifecycle === "ALIVE" && d.actors[id].node !== event.node) : [];
  const running = ids.filter((id) => d.actors[id].node === event.node && d.actors[id].lifecycle === "ALIVE");
  node.alive = false;
  for (const id of orphans) {
    const a = d.actors[id];
    if (a === undefined) continue;
    destroy(d, a, "OWNER_DIED", fx);
    fx.rules.push("node.ownerDied");
  }
  for (const id in d.jobs) {
    const job = d.jobs[id];
    if (job.node !== event.node) continue;
    const next = nextJobState(job.lifecycle, { type: "driver.exited" });
    if (next === null) throw new Error(`job chart refuses driver.exited in ${job.lifecycle} (${id})`);
    job.lifecycle = next;
    d.finished[id] = job;
    delete d.jobs[id];
    delete d.handles[id];
    delete d.inflight[id];
    fx.rules.push("node.driverDied");
  }
  // The seeded bug's raylet kills the worker of each detached actor its dead creator leased: a worker death.
  for (const id of creations) {
    const a = d.actors[id];
    if (a === undefined || a.lifecycle !== "ALIVE") continue;
    fx.rules.push(workerDied(d, a, "WORKER_DIED", true, fx) ?? "crash.restart");
  }
  for (const id of running) {
    const a = d.actors[id];
    if (a === undefined || a.lifecycle !== "ALIVE") continue; // destroyed above with its owner
    // Marked when the GCS accepted a preemption drain of the node (drain-node.ts); a draining node takes no new actors.
    const preempted = a.preempted === true && v.countPreemption !== true;
    const rule = workerDied(d, a, "NODE_DIED", true, fx, preempted);
    fx.rules.push(rule ?? (preempted ? "node.preempted" : "node.restart"));
  }
}

export const nodeDied = defineFault({
  type: "node.died",
  group: "fault",
  enabling: (_, e, k) => k.read(`node:${e.node}`),
  apply: (d, event, fx) => onNodeDead(d, event, fx),
  // The death of a node touches what ran on it and what they owned: every record, conservatively.
  footprint: (_, __, k) => k.write("*"),
});

/** The owner of this actor was a driver that ended with its node (the fallback the seeded bug owner-node-one-child never runs). */
function ownerEndedWithNode(state: State, actor: Actor): boolean {
  if (actor.owner === null || !isJobId(actor.owner.caller)) return false;
  const job = state.finished[actor.owner.caller];
  return job?.node !== undefined && state.nodes?.[job.node]?.alive === false;
}

const whole = (_: State, __: ModelEvent, k: Keys) => k.write("*");

/** An actor event's guard that never fires for an actor whose owner ended with its node (the seeded bug owner-node-one-child). */
function noFallback(def: { readonly enabled: (state: State, actor: Actor) => InternalEvent[] }): { enabled: (state: State, actor: Actor) => InternalEvent[] } {
  return { enabled: (state, actor) => (ownerEndedWithNode(state, actor) ? [] : def.enabled(state, actor)) };
}

export const bugs = {
  "owner-node-one-child": {
    summary: "when a node dies, only one actor of each owner on it is destroyed, and the others are never cleaned up (PR #60669's OnNodeDead, without the fallback that hid it)",
    law: "node-orphans-destroyed",
    overrides: {
      "node.died": { apply: (d, e, fx) => onNodeDead(d, e as Fault & { type: "node.died" }, fx, { onePerOwner: true }), footprint: whole },
      // The fallbacks that clean up after a dead owner (its death processed, its references gone) never come.
      "owner.death.processed": noFallback(ownerDeathProcessed),
      "actor.out_of_scope": noFallback(actorOutOfScope),
      "lineage.released": noFallback(lineageReleased),
    },
  },
  "detached-killed-with-creator": {
    summary: "when a node dies, the detached actors created by a driver or actor on it are killed too, wherever they run (issue #40864: the raylet fate-shared leased workers with their owner process)",
    law: "detached-survive-other-node",
    overrides: { "node.died": { apply: (d, e, fx) => onNodeDead(d, e as Fault & { type: "node.died" }, fx, { detachedWithCreator: true }), footprint: whole } },
  },
  "preemption-restart-counted": {
    summary: "a restart forced by the preemption of a drained node uses up max_restarts, as before PR #54175",
    law: "preemption-restart-free",
    overrides: { "node.died": { apply: (d, e, fx) => onNodeDead(d, e as Fault & { type: "node.died" }, fx, { countPreemption: true }), footprint: whole } },
  },
} satisfies Record<string, BugDef>;
