import { fail, reply } from "../effects.js";
import { selectActor } from "../state.js";
import { callerCanRun, callerCanRunKeys, callerFree, callerFreeKeys } from "./common.js";
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
  apply(d, cmd, fx) {
    if (!callerCanRun(d, cmd.caller, fx)) return;
    const actor = selectActor(d, cmd.actor);
    if (actor === undefined || actor.evicted === true) {
      // Ray's GetActorInfo finds it in neither registered_actors_ nor destroyed_actors_.
      fail(fx, cmd.caller, "NotFound", `The GCS has no actor ${cmd.actor}: it was destroyed and evicted from the GCS's cache of destroyed actors`, "state.evicted");
      return;
    }
    reply(fx, cmd.caller, { kind: "state", state: actor.lifecycle }, "state.ok");
  },
  footprint(s, e, k) {
    if (!callerCanRunKeys(s, e.caller, k)) return;
    k.read(`actor:${e.actor}`);
  },
});
