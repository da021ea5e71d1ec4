import { reply } from "../effects.js";
import { defineCommand } from "./define.js";

/**
 * `addNode` (format version 2): a worker node joins the cluster (`ray start
 * --address=...` on another machine). Its id is `n<k>`, k counting the nodes
 * added. While the cluster is the head alone, actors run on the head; once a
 * worker node exists, they are placed on worker nodes (actor-created.ts).
 */
export const rules = {
  "node.added": ["A worker node joined the cluster; new actors can be placed on it.", "docs/semantics.md#node.added"],
} as const;

export const addNode = defineCommand({
  type: "addNode",
  enabled: () => true,
  enabling: (_, __, k) => k.read("nodes"),
  apply(d, _, fx) {
    const nodes = (d.nodes ??= {});
    const id = `n${Object.keys(nodes).length + 1}`;
    nodes[id] = { id, alive: true };
    reply(fx, "", { kind: "node", node: id }, "node.added");
  },
  footprint(s, _, k) {
    k.write("nodes");
    k.write(`node:n${Object.keys(s.nodes ?? {}).length + 1}`);
  },
});
