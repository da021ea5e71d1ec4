import { PROFILES } from "../profile.js";
import { isJobId, selectOwnerAlive, selectRestartsLeft, type Actor, type Owner, type State } from "../state.js";
import type { Law } from "./law.js";

/*
 * The laws of nodes (format version 2): what a node's death must do, and
 * must not do, to the actors on it, on other nodes, and to those its
 * processes owned (docs/semantics.md#nodes). Each is judged on the step of
 * the death itself (the GCS's OnNodeDead), so a law breaks where the bug is.
 */

/** True when the owner was a process on the node just before it died: a driver there, or the incarnation of an actor running there. */
function ownerOn(state: State, owner: Owner, node: string): boolean {
  if (isJobId(owner.caller)) return state.jobs[owner.caller]?.node === node;
  const a = state.actors[owner.caller];
  return a !== undefined && a.node === node && a.incarnation === owner.incarnation && a.lifecycle === "ALIVE";
}

/** The actors of `before` owned by a process on the node, not yet DEAD. */
function orphansOf(before: State, node: string): Actor[] {
  return Object.values(before.actors).filter((a) => a.owner !== null && a.lifecycle !== "DEAD" && ownerOn(before, a.owner, node));
}

/** Every actor owned by a driver or an actor on a dead node is destroyed at once. */
export const nodeOrphansDestroyed: Law = {
  kind: "always",
  name: "node-orphans-destroyed",
  sentence: "When a node dies, every actor owned by a driver or an actor on it is DEAD at once (OWNER_DIED), restarts left or not, wherever it runs.",
  check({ event, before, after }) {
    if (event.type !== "node.died" || before.nodes?.[event.node]?.alive !== true) return null;
    for (const a of orphansOf(before, event.node)) {
      const now = after.actors[a.id];
      if (now !== undefined && now.lifecycle !== "DEAD") return `${a.id}, owned by ${a.owner!.caller} on the dead node ${event.node}, is still ${now.lifecycle}`;
    }
    return null;
  },
  companion: "a node dies while a driver on it owns two live actors",
  reached: ({ event, before }) => {
    if (event.type !== "node.died" || before.nodes?.[event.node]?.alive !== true) return false;
    const byOwner = new Map<string, number>();
    for (const a of orphansOf(before, event.node)) byOwner.set(a.owner!.caller, (byOwner.get(a.owner!.caller) ?? 0) + 1);
    return [...byOwner.values()].some((n) => n >= 2);
  },
};

/** True when the detached actor may restart after its node dies (restarts left, or a free preemption restart). */
function mayRestart(state: State, a: Actor): boolean {
  return selectRestartsLeft(a) > 0 || (a.preempted === true && a.maxRestarts > 0 && PROFILES[state.profile].preemptionRestartsFree);
}

/** Detached actors survive other nodes' deaths, and restart (keeping their name) after their own node's. */
export const detachedSurviveOtherNode: Law = {
  kind: "always",
  name: "detached-survive-other-node",
  sentence: "A node's death leaves a detached actor on another node as it was (same process, same state); a detached actor on the dead node with restarts left restarts and keeps its name.",
  check({ event, before, after }) {
    if (event.type !== "node.died" || before.nodes?.[event.node]?.alive !== true) return null;
    for (const b of Object.values(before.actors)) {
      if (!b.detached || b.lifecycle !== "ALIVE") continue;
      const a = after.actors[b.id];
      if (b.node !== event.node) {
        if (a === undefined || a.lifecycle !== "ALIVE" || a.incarnation !== b.incarnation) return `the detached actor ${b.id} on ${b.node ?? "the head"} was hit by the death of node ${event.node} (${a === undefined ? "destroyed" : `${a.lifecycle}, incarnation ${b.incarnation} → ${a.incarnation}`})`;
        continue;
      }
      if (!mayRestart(before, b)) continue;
      if (a === undefined || a.lifecycle !== "RESTARTING") return `the detached actor ${b.id} had restarts left but is ${a === undefined ? "destroyed" : a.lifecycle} after its node ${event.node} died`;
      if (b.name !== null && after.names[b.namespace]?.[b.name] !== b.id) return `the detached actor ${b.id} lost its name ${b.namespace}/${b.name} when its node ${event.node} died`;
    }
    return null;
  },
  companion: "a node dies while a detached actor created by a driver on it lives on another node",
  reached: ({ event, before }) =>
    event.type === "node.died" && before.nodes?.[event.node]?.alive === true &&
    Object.values(before.actors).some((a) => a.detached && a.lifecycle === "ALIVE" && a.node !== event.node && ownerOn(before, a.creator, event.node)),
};

/** Preemption restarts are free (profiles where Ray does so: PR #54175). */
export const preemptionRestartFree: Law = {
  kind: "always",
  name: "preemption-restart-free",
  sentence: "An actor on a node drained for preemption restarts when the node dies if max_restarts > 0, and that restart does not use up max_restarts (under profiles where Ray counts them apart).",
  check({ event, before, after }) {
    if (event.type !== "node.died" || before.nodes?.[event.node]?.alive !== true || !PROFILES[before.profile].preemptionRestartsFree) return null;
    for (const b of Object.values(before.actors)) {
      if (b.node !== event.node || b.lifecycle !== "ALIVE" || b.preempted !== true || b.maxRestarts === 0) continue;
      if (b.owner !== null && !selectOwnerAlive(before, b.owner)) continue; // an orphan does not restart
      const a = after.actors[b.id];
      if (a?.deathCause === "OWNER_DIED" || a === undefined && after.destroyed[b.id]?.deathCause === "OWNER_DIED") continue; // its owner died with the node
      if (a === undefined || a.lifecycle !== "RESTARTING") return `${b.id} was preempted with max_restarts ${b.maxRestarts} but is ${a === undefined ? "destroyed" : a.lifecycle} after its node ${event.node} died`;
      const used = (x: Actor) => x.numRestarts - (x.preemptionRestarts ?? 0);
      if (used(a) !== used(b)) return `${b.id}'s preemption restart used up one of its max_restarts (${used(b)} → ${used(a)} counted)`;
    }
    return null;
  },
  companion: "a node drained for preemption dies while an actor with max_restarts > 0 runs there",
  reached: ({ event, before }) =>
    event.type === "node.died" && before.nodes?.[event.node]?.alive === true && PROFILES[before.profile].preemptionRestartsFree &&
    Object.values(before.actors).some((a) => a.node === event.node && a.lifecycle === "ALIVE" && a.preempted === true && a.maxRestarts !== 0 && (a.owner === null || selectOwnerAlive(before, a.owner))),
};
