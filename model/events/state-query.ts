import { askStateApi, askStateApiKeys, callerFree, callerFreeKeys } from "./common.js";
import { defineCommand } from "./define.js";

/** The state API: the actor's lifecycle state (destroyed actors report DEAD). */
export const rules = {
  "state.ok": ["The state API reports the actor's lifecycle state; destroyed actors are DEAD.", "docs/semantics.md#state.ok"],
  "state.evicted": ["The state API finds no actor evicted from the GCS's cache of destroyed actors (Ray's GetActorInfo looks only in registered and cached destroyed actors): NotFound.", "docs/semantics.md#state.evicted"],
} as const;

export const stateQuery = defineCommand({
  type: "state",
  enabled: (state, cmd) => callerFree(state, cmd.caller),
  enabling: (_, cmd, k) => callerFreeKeys(cmd.caller, k),
  apply: (d, cmd, fx) => askStateApi(d, cmd.caller, cmd.actor, fx, (actor) => ({ kind: "state", state: actor.lifecycle }), "state.ok"),
  footprint: (s, e, k) => askStateApiKeys(s, e.caller, e.actor, k),
});
