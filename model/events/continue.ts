import { callerFreeKeys, noKillPending } from "./common.js";
import { defineCommand } from "./define.js";

/**
 * `continue`: the next atomic step of a command a caller has begun (the
 * register step of a creation after its lookup, a get-or-create's lookup
 * again, a call reaching its actor). Enabled while the caller has a command
 * in flight and no kill of its own pending; what the step does is the
 * command's own `continue` (create.ts, call.ts), which the registry picks.
 * This module holds the guard and the footprint's share of it.
 */
export const rules = {} as const;

export const continueCommand = defineCommand({
  type: "continue",
  enabled: (state, cmd) => noKillPending(state, cmd.caller) && state.inflight[cmd.caller] !== undefined,
  enabling: (_, cmd, k) => callerFreeKeys(cmd.caller, k),
  apply() {
    throw new Error("continue is dispatched by the registry to the command in flight");
  },
  footprint(_, cmd, k) {
    k.write(`inflight:${cmd.caller}`);
  },
});
