import { askStateApi, askStateApiKeys, callerFree, callerFreeKeys } from "./common.js";
import { defineCommand } from "./define.js";

/** `deathCause` (format version 2): the state API's death cause of an actor (`death_cause`), none while it is not DEAD. */
export const rules = {
  "cause.ok": ["The state API reports a DEAD actor's death cause (Ray's ActorDiedErrorContext reason, or that it could not be scheduled); none for a live one.", "docs/semantics.md#cause.ok"],
} as const;

export const cause = defineCommand({
  type: "cause",
  enabled: (state, cmd) => callerFree(state, cmd.caller),
  enabling: (_, cmd, k) => callerFreeKeys(cmd.caller, k),
  apply: (d, cmd, fx) => askStateApi(d, cmd.caller, cmd.actor, fx, (actor) => ({ kind: "cause", cause: actor.lifecycle === "DEAD" ? actor.deathCause : null }), "cause.ok"),
  footprint: (s, e, k) => askStateApiKeys(s, e.caller, e.actor, k),
});
