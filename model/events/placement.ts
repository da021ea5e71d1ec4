import { HEAD } from "../state.js";
import { askStateApi, askStateApiKeys, callerFree, callerFreeKeys } from "./common.js";
import { defineCommand } from "./define.js";

/** `placement` (format version 2): the node the state API says an actor runs on (`node_id`); none unless it is ALIVE. */
export const rules = {
  "placement.ok": ["The state API reports the node an ALIVE actor runs on; an actor being created, restarting or DEAD runs nowhere.", "docs/semantics.md#placement.ok"],
} as const;

export const placement = defineCommand({
  type: "placement",
  enabled: (state, cmd) => callerFree(state, cmd.caller),
  enabling: (_, cmd, k) => callerFreeKeys(cmd.caller, k),
  apply: (d, cmd, fx) => askStateApi(d, cmd.caller, cmd.actor, fx, (actor) => ({ kind: "node", node: actor.lifecycle === "ALIVE" ? (actor.node ?? HEAD) : null }), "placement.ok"),
  footprint: (s, e, k) => askStateApiKeys(s, e.caller, e.actor, k),
});
