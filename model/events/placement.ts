import { fail, reply } from "../effects.js";
import { HEAD, selectActor } from "../state.js";
import { callerCanRun, callerCanRunKeys, callerFree, callerFreeKeys } from "./common.js";
import { defineCommand } from "./define.js";

/** `placement` (format version 2): the node the state API says an actor runs on (`node_id`); none unless it is ALIVE. */
export const rules = {
  "placement.ok": ["The state API reports the node an ALIVE actor runs on; an actor being created, restarting or DEAD runs nowhere.", "docs/semantics.md#placement.ok"],
} as const;

export const placement = defineCommand({
  type: "placement",
  enabled: (state, cmd) => callerFree(state, cmd.caller),
  enabling: (_, cmd, k) => callerFreeKeys(cmd.caller, k),
  apply(d, cmd, fx) {
    if (!callerCanRun(d, cmd.caller, fx)) return;
    const actor = selectActor(d, cmd.actor);
    if (actor === undefined || actor.evicted === true) {
      fail(fx, cmd.caller, "NotFound", `The GCS has no actor ${cmd.actor}: it was destroyed and evicted from the GCS's cache of destroyed actors`, "state.evicted");
      return;
    }
    reply(fx, cmd.caller, { kind: "node", node: actor.lifecycle === "ALIVE" ? (actor.node ?? HEAD) : null }, "placement.ok");
  },
  footprint(s, e, k) {
    if (!callerCanRunKeys(s, e.caller, k)) return;
    k.read(`actor:${e.actor}`);
  },
});
