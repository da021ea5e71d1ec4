import type { Command } from "../command.js";
import { reply, type D, type Effects } from "../effects.js";
import type { MutantName } from "../mutants.js";
import type { QualifiedName } from "../observation.js";
import { selectCallerJob } from "../state.js";
import { callerCanRun, callerCanRunKeys, callerFree, callerFreeKeys } from "./common.js";
import { defineCommand, type BugDef } from "./define.js";

/** `ray.util.list_named_actors(all_namespaces)`: names of registered actors that are not DEAD. */
export const rules = {
  "list.ok": ["list_named_actors lists the names of registered actors that are not DEAD, in the caller's job namespace or in all namespaces.", "docs/semantics.md#list.ok"],
} as const;

type List = Extract<Command, { type: "list" }>;

/** The seeded bug's change: DEAD actors holding names are listed too. */
function apply(d: D, cmd: List, fx: Effects, showDead = false): void {
  if (!callerCanRun(d, cmd.caller, fx)) return;
  const visible = (id: string): boolean => d.actors[id].lifecycle !== "DEAD" || showDead;
  if (cmd.allNamespaces === true) {
    const names: QualifiedName[] = [];
    for (const namespace of Object.keys(d.names).sort()) {
      for (const [name, id] of Object.entries(d.names[namespace])) if (visible(id)) names.push({ name, namespace });
    }
    names.sort((a, b) => (a.namespace === b.namespace ? cmp(a.name, b.name) : cmp(a.namespace, b.namespace)));
    reply(fx, cmd.caller, { kind: "names", names }, "list.ok");
    return;
  }
  const registry = d.names[selectCallerJob(d, cmd.caller).namespace] ?? {};
  const names = Object.keys(registry).filter((name) => visible(registry[name])).sort(cmp);
  reply(fx, cmd.caller, { kind: "names", names }, "list.ok");
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const list = defineCommand({
  type: "list",
  enabled: (state, cmd) => callerFree(state, cmd.caller),
  enabling: (_, cmd, k) => callerFreeKeys(cmd.caller, k),
  apply: (d, cmd, fx) => apply(d, cmd, fx),
  footprint(s, e, k) {
    if (!callerCanRunKeys(s, e.caller, k)) return;
    const namespaces = e.allNamespaces === true ? Object.keys(s.names) : [selectCallerJob(s, e.caller).namespace];
    k.read(e.allNamespaces === true ? "name:*" : `name:${namespaces[0]}/*`);
    for (const ns of namespaces) for (const n in s.names[ns] ?? {}) k.read(`dead:${s.names[ns]![n]}`);
  },
});

export const bugs = {
  "list-shows-dead": {
    summary: "list_named_actors also lists DEAD actors that still hold their names",
    law: "list-shows-live-names",
    overrides: { list: { apply: (d, cmd, fx) => apply(d, cmd as List, fx, true) } },
  },
} as const satisfies Partial<Record<MutantName, BugDef>>;
