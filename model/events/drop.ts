import { reply } from "../effects.js";
import { callerCanRun, callerCanRunKeys, callerFree, callerFreeKeys, removeHandle } from "./common.js";
import { defineCommand } from "./define.js";

/** `del handle`: the caller lets go of every handle it holds to the actor (scope: actor-out-of-scope.ts). */
export const rules = {
  "drop.ok": ["The caller let go of its handles to the actor.", "docs/semantics.md#drop.ok"],
} as const;

export const drop = defineCommand({
  type: "drop",
  enabled: (state, cmd) => callerFree(state, cmd.caller),
  enabling: (_, cmd, k) => callerFreeKeys(cmd.caller, k),
  apply(d, cmd, fx) {
    if (!callerCanRun(d, cmd.caller, fx)) return;
    removeHandle(d, cmd.caller, cmd.actor);
    reply(fx, cmd.caller, { kind: "ok" }, "drop.ok");
  },
  footprint(s, e, k) {
    if (!callerCanRunKeys(s, e.caller, k)) return;
    k.write(`handles:${e.caller}:${e.actor}`);
  },
});
