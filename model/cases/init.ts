import type { Command } from "../command.js";
import { fail, reply, type D, type Effects } from "../effects.js";
import { JOB_INITIAL } from "../lifecycle.js";
import { PROFILES } from "../profile.js";

type Init = Extract<Command, { type: "init" }>;

/** `ray.init`: a new driver and its job, in the namespace it names or one the profile gives it. */
export function init(d: D, cmd: Init, fx: Effects): void {
  if (cmd.namespace === "") {
    fail(fx, "", "InvalidArgument", '"" is not a valid namespace. Pass None to not specify a namespace.', "validate.namespace");
    return;
  }
  const lifetime = cmd.defaultLifetime ?? "non_detached";
  if (lifetime !== "detached" && lifetime !== "non_detached") {
    fail(fx, "", "InvalidArgument", "Default actor lifetime must be one of `detached`, `non_detached`", "validate.lifetime");
    return;
  }
  d.counters.job += 1;
  const id = `j${d.counters.job}`;
  const anonymous = cmd.namespace === undefined && PROFILES[d.profile].anonymousNamespaces;
  const namespace = cmd.namespace ?? (anonymous ? `anonymous-${id}` : "default");
  d.jobs[id] = { id, namespace, anonymous, defaultLifetime: lifetime, lifecycle: JOB_INITIAL };
  const rule = cmd.namespace !== undefined ? "init.namespace" : anonymous ? "init.anonymous" : "init.default";
  reply(fx, id, { kind: "driver", job: id, namespace }, rule);
}
