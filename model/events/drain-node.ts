import { reply } from "../effects.js";
import { defineCommand } from "./define.js";

/**
 * `drainNode` (format version 2): the autoscaler asks the GCS to drain a
 * node (`GcsClient.drain_node`, Ray's DrainNode RPC), for preemption or idle
 * termination. A draining node takes no new actors (hard affinity to it is
 * unschedulable, soft affinity and default placement go elsewhere); the
 * actors on it keep running until it dies. A preemption drain is always
 * accepted and marks the actors on the node preempted, so a restart after
 * the node's death is free (node-died.ts); an idle-termination drain is
 * rejected while an actor runs there (a driver does not count: it holds no
 * resources), unless the node is already draining. Draining a dead node is accepted and
 * changes nothing; a later drain replaces the earlier one.
 */
export const rules = {
  "node.drainAccepted": ["The GCS accepted the drain: the node takes no new actors; after a preemption drain its actors are marked preempted.", "docs/semantics.md#node.drainAccepted"],
  "node.drainRejected": ["An idle-termination drain of a node that still runs an actor is rejected, unless the node is already being drained (a driver there does not count).", "docs/semantics.md#node.drainRejected"],
  "node.drainDead": ["A drain of a node that is already dead is accepted and changes nothing.", "docs/semantics.md#node.drainDead"],
} as const;

export const drainNode = defineCommand({
  type: "drainNode",
  enabled: () => true,
  enabling: (_, cmd, k) => k.read(`node:${cmd.node}`),
  apply(d, cmd, fx) {
    const node = d.nodes?.[cmd.node];
    if (node === undefined) throw new Error(`drainNode: no node ${cmd.node}`);
    if (!node.alive) {
      reply(fx, "", { kind: "drain", accepted: true }, "node.drainDead");
      return;
    }
    if (cmd.reason === "idle") {
      let busy = false;
      for (const id in d.actors) if (d.actors[id].node === cmd.node && d.actors[id].lifecycle !== "DEAD") busy = true;
      // A node already being drained takes an idle drain whatever runs there (seen on Ray 2.60.0: the request
      // replaces the earlier one; the preempted marks a preemption drain set stay).
      if (busy && node.drain === undefined) {
        reply(fx, "", { kind: "drain", accepted: false }, "node.drainRejected");
        return;
      }
    } else {
      // SetPreemptedAndPublish: every actor created on the node.
      for (const id in d.actors) if (d.actors[id].node === cmd.node && d.actors[id].lifecycle === "ALIVE") d.actors[id].preempted = true;
    }
    node.drain = cmd.reason;
    reply(fx, "", { kind: "drain", accepted: true }, "node.drainAccepted");
  },
  footprint(_, cmd, k) {
    k.write(`node:${cmd.node}`);
    k.write("actor:*");
    k.read("job:*");
  },
});
