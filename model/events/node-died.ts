import { nextJobState } from "../lifecycle.js";
import { destroy, workerDied } from "../mechanics.js";
import { isJobId, type Owner } from "../state.js";
import type { D } from "../effects.js";
import { defineFault } from "./define.js";

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

export const nodeDied = defineFault({
  type: "node.died",
  group: "fault",
  enabling: (_, e, k) => k.read(`node:${e.node}`),
  apply(d, event, fx) {
    const node = d.nodes?.[event.node];
    if (node === undefined || !node.alive) {
      fx.rules.push("node.gone");
      return;
    }
    fx.rules.push("node.died");
    const ids = Object.keys(d.actors);
    const orphans = ids.filter((id) => {
      const owner = d.actors[id].owner;
      return owner !== null && ownerOn(d, owner, event.node);
    });
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
    for (const id of running) {
      const a = d.actors[id];
      if (a === undefined || a.lifecycle !== "ALIVE") continue; // destroyed above with its owner
      // Marked when the GCS accepted a preemption drain of the node (drain-node.ts); a draining node takes no new actors.
      const preempted = a.preempted === true;
      const rule = workerDied(d, a, "NODE_DIED", true, fx, preempted);
      fx.rules.push(rule ?? (preempted ? "node.preempted" : "node.restart"));
    }
  },
  // The death of a node touches what ran on it and what they owned: every record, conservatively.
  footprint: (_, __, k) => k.write("*"),
});
