import { fail, reply, type D, type Effects } from "../effects.js";
import { JOB_INITIAL } from "../lifecycle.js";
import { PROFILES } from "../profile.js";
import { defineCommand } from "./define.js";

/** `ray.init`: a new driver and its job, in the namespace it names or one the profile gives it. Always enabled. */
export const rules = {
  "init.namespace": ["A driver joins the namespace it names.", "docs/semantics.md#init.namespace"],
  "init.anonymous": ["A driver that names no namespace gets an anonymous namespace of its own, so other drivers cannot see its names.", "docs/semantics.md#init.anonymous"],
  "init.default": ["A driver that names no namespace joins the shared `default` namespace.", "docs/semantics.md#init.default"],
} as const;

/**
 * A fresh anonymous namespace. Ray makes a random UUID4; the model makes a
 * deterministic one from the job's number, shaped like a UUID4, and skips any
 * namespace already in use so it never joins a namespace someone named.
 */
function anonymousNamespace(d: D, n: number, fx: Effects): string {
  const jobUses = (ns: string): boolean => {
    if (fx.ledger !== undefined) return fx.ledger.namespaceUsed(ns);
    for (const id in d.jobs) if (d.jobs[id].namespace === ns) return true;
    for (const id in d.finished) if (d.finished[id].namespace === ns) return true;
    return false;
  };
  const inUse = (ns: string): boolean => d.names[ns] !== undefined || jobUses(ns);
  for (let k = 0; ; k++) {
    const ns = `${n.toString(16).padStart(8, "0")}-0000-4000-8000-${k.toString(16).padStart(12, "0")}`;
    if (!inUse(ns)) return ns;
  }
}

export const init = defineCommand({
  type: "init",
  enabled: () => true,
  enabling: () => undefined,
  apply(d, cmd, fx) {
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
    const namespace = cmd.namespace ?? (anonymous ? anonymousNamespace(d, d.counters.job, fx) : "default");
    d.jobs[id] = { id, namespace, anonymous, defaultLifetime: lifetime, lifecycle: JOB_INITIAL, ...(cmd.node === undefined ? {} : { node: cmd.node }) };
    const rule = cmd.namespace !== undefined ? "init.namespace" : anonymous ? "init.anonymous" : "init.default";
    reply(fx, id, { kind: "driver", job: id, namespace }, rule);
  },
  footprint(s, e, k) {
    if (e.namespace === "") return;
    const lifetime = e.defaultLifetime ?? "non_detached";
    if (lifetime !== "detached" && lifetime !== "non_detached") return;
    k.write("counter:job");
    k.write(`job:j${s.counters.job + 1}`);
    k.write("nsinuse");
    if (e.namespace === undefined && PROFILES[s.profile].anonymousNamespaces) k.read("name:*");
  },
});
