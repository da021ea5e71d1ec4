import type { Command } from "../command.js";
import { fail, reply, type D, type Effects } from "../effects.js";
import type { MutantName } from "../mutants.js";
import { selectCallerJob, type State } from "../state.js";
import { addHandle, callerCanRun, callerCanRunKeys, callerFree, callerFreeKeys, lookup } from "./common.js";
import { notFoundMessage } from "./create.js";
import { defineCommand, type BugDef, type Keys } from "./define.js";

/** `ray.get_actor(name, namespace)`: one GCS lookup; any registered actor, even DEAD, is found; the handle is weak. */
export const rules = {
  "get.found": ["get_actor returns a handle to the actor registered under the name in the namespace (the caller's job's, unless one is given); it is weak.", "docs/semantics.md#get.found"],
  "get.dead": ["get_actor returns any registered actor, even a DEAD one still holding its name; calls on it fail.", "docs/semantics.md#get.dead"],
  "get.notFound": ["No registered actor holds the name in that namespace.", "docs/semantics.md#get.notFound"],
} as const;

type Get = Extract<Command, { type: "get" }>;

/** The seeded bug's change: a miss falls back to any namespace holding the name. */
function apply(d: D, cmd: Get, fx: Effects, anyNamespace = false): void {
  if (!callerCanRun(d, cmd.caller, fx)) return;
  if (cmd.name === "") {
    fail(fx, cmd.caller, "InvalidArgument", "Please supply a non-empty value to get_actor", "validate.name");
    return;
  }
  if (cmd.namespace === "") {
    fail(fx, cmd.caller, "InvalidArgument", '"" is not a valid namespace. Pass None to not specify a namespace.', "validate.namespace");
    return;
  }
  let id = lookup(d, cmd.namespace ?? selectCallerJob(d, cmd.caller).namespace, cmd.name);
  if (id === undefined && anyNamespace) {
    for (const ns of Object.keys(d.names).sort()) id ??= d.names[ns]![cmd.name];
  }
  if (id === undefined) {
    fail(fx, cmd.caller, "NotFound", notFoundMessage(cmd.name), "get.notFound");
    return;
  }
  addHandle(d, cmd.caller, id, "weak");
  reply(fx, cmd.caller, { kind: "handle", actor: id }, d.actors[id].lifecycle === "DEAD" ? "get.dead" : "get.found");
}

function footprint(s: State, e: Get, k: Keys, anyNamespace = false): void {
  if (!callerCanRunKeys(s, e.caller, k) || e.name === "" || e.namespace === "") return;
  const ns = e.namespace ?? selectCallerJob(s, e.caller).namespace;
  k.read(`name:${ns}/${e.name}`);
  let id = s.names[ns]?.[e.name];
  if (id === undefined && anyNamespace) {
    k.read("name:*");
    for (const n of Object.keys(s.names).sort()) id ??= s.names[n]![e.name];
  }
  if (id === undefined) return;
  k.write(`handles:${e.caller}:${id}`);
  k.read(`dead:${id}`);
}

export const get = defineCommand({
  type: "get",
  enabled: (state, cmd) => callerFree(state, cmd.caller),
  enabling: (_, cmd, k) => callerFreeKeys(cmd.caller, k),
  apply: (d, cmd, fx) => apply(d, cmd, fx),
  footprint: (s, cmd, k) => footprint(s, cmd, k),
});

export const bugs = {
  "lookup-any-namespace": {
    summary: "get_actor falls back to any namespace that holds the name",
    law: "namespaces-isolate-lookups",
    overrides: {
      get: {
        apply: (d, cmd, fx) => apply(d, cmd as Get, fx, true),
        footprint: (s, cmd, k) => footprint(s, cmd as Get, k, true),
      },
    },
  },
} as const satisfies Partial<Record<MutantName, BugDef>>;
