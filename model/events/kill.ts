import { reply } from "../effects.js";
import { callerCanRun, callerCanRunKeys, callerFree, callerFreeKeys, holdsHandle, holdsHandleKeys } from "./common.js";
import { defineCommand } from "./define.js";

/** `ray.kill(handle, no_restart)`: sent to the GCS fire-and-forget; the caller does not wait (the GCS acts later: kill-processed.ts). */
export const rules = {
  "kill.sent": ["ray.kill sends the kill to the GCS and returns at once; the GCS acts later.", "docs/semantics.md#kill.sent"],
} as const;

export const kill = defineCommand({
  type: "kill",
  enabled: (state, cmd) => callerFree(state, cmd.caller),
  enabling: (_, cmd, k) => callerFreeKeys(cmd.caller, k),
  apply(d, cmd, fx) {
    if (!callerCanRun(d, cmd.caller, fx) || !holdsHandle(d, cmd.caller, cmd.actor, fx)) return;
    d.kills.push({ actor: cmd.actor, noRestart: cmd.noRestart ?? true, by: cmd.caller });
    reply(fx, cmd.caller, { kind: "ok" }, "kill.sent");
  },
  footprint(s, e, k) {
    if (!callerCanRunKeys(s, e.caller, k) || !holdsHandleKeys(s, e.caller, e.actor, k)) return;
    k.write("kills:push");
    k.write(`killfor:${e.actor}`);
    k.write(`killsby:${e.caller}`);
  },
});
