import { reply } from "../effects.js";
import { nextJobState } from "../lifecycle.js";
import { workerDied, workerDiedKeys } from "../mechanics.js";
import { isJobId } from "../state.js";
import { callerCanRun, callerCanRunKeys, callerFree, callerFreeKeys } from "./common.js";
import { defineCommand } from "./define.js";

/**
 * A driver exits (its job finishes, its handles are gone: the actors it owns
 * die later, owner-death-processed.ts), or an actor calls `exit_actor()`.
 */
export const rules = {
  "exit.driver": ["The driver exited: its job is finished and every actor it owns will die.", "docs/semantics.md#exit.driver"],
  "exit.actor": ["exit_actor() is an intended exit: the actor is never restarted.", "docs/semantics.md#exit.actor"],
} as const;

export const exit = defineCommand({
  type: "exit",
  enabled: (state, cmd) => callerFree(state, cmd.caller),
  enabling: (_, cmd, k) => callerFreeKeys(cmd.caller, k),
  apply(d, cmd, fx) {
    const caller = cmd.caller;
    if (isJobId(caller)) {
      const job = d.jobs[caller];
      const next = nextJobState(job.lifecycle, { type: "driver.exited" });
      if (next === null) throw new Error(`job chart refuses driver.exited in ${job.lifecycle} (${caller})`);
      job.lifecycle = next;
      d.finished[caller] = job;
      delete d.jobs[caller];
      delete d.handles[caller];
      reply(fx, caller, { kind: "ok" }, "exit.driver");
      return;
    }
    if (!callerCanRun(d, caller, fx)) return;
    reply(fx, caller, { kind: "ok" }, "exit.actor");
    const rule = workerDied(d, d.actors[caller], "INTENDED_USER_EXIT", false, fx);
    if (rule !== null) fx.rules.push(rule);
  },
  footprint(s, e, k) {
    if (isJobId(e.caller)) {
      k.write(`job:${e.caller}`);
      k.write(`handles:${e.caller}:*`);
      return;
    }
    if (!callerCanRunKeys(s, e.caller, k)) return;
    workerDiedKeys(s, s.actors[e.caller]!, false, k);
  },
});
