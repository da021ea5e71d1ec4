import type { Command } from "../command.js";
import { fail, reply, type D, type Effects } from "../effects.js";
import type { QualifiedName } from "../observation.js";
import { selectActor, selectCallerJob } from "../state.js";
import { bug } from "../mutants.js";
import { notFoundMessage } from "./create.js";
import { addHandle, callerCanRun, lookup } from "./common.js";

type Get = Extract<Command, { type: "get" }>;
type List = Extract<Command, { type: "list" }>;
type StateQuery = Extract<Command, { type: "state" }>;

function jobNamespace(d: D, caller: string): string {
  return selectCallerJob(d, caller).namespace;
}

/** `ray.get_actor(name, namespace)`: one GCS lookup; any registered actor, even DEAD, is found; the handle is weak. */
export function get(d: D, cmd: Get, fx: Effects): void {
  if (!callerCanRun(d, cmd.caller, fx)) return;
  if (cmd.name === "") {
    fail(fx, cmd.caller, "InvalidArgument", "Please supply a non-empty value to get_actor", "validate.name");
    return;
  }
  if (cmd.namespace === "") {
    fail(fx, cmd.caller, "InvalidArgument", '"" is not a valid namespace. Pass None to not specify a namespace.', "validate.namespace");
    return;
  }
  let id = lookup(d, cmd.namespace ?? jobNamespace(d, cmd.caller), cmd.name);
  if (id === undefined && bug(d, "lookup-any-namespace")) {
    for (const ns of Object.keys(d.names).sort()) id ??= d.names[ns]![cmd.name];
  }
  if (id === undefined) {
    fail(fx, cmd.caller, "NotFound", notFoundMessage(cmd.name), "get.notFound");
    return;
  }
  addHandle(d, cmd.caller, id, "weak");
  reply(fx, cmd.caller, { kind: "handle", actor: id }, d.actors[id].lifecycle === "DEAD" ? "get.dead" : "get.found");
}

/** `ray.util.list_named_actors(all_namespaces)`: names of registered actors that are not DEAD. */
export function list(d: D, cmd: List, fx: Effects): void {
  if (!callerCanRun(d, cmd.caller, fx)) return;
  const visible = (id: string): boolean => d.actors[id].lifecycle !== "DEAD" || bug(d, "list-shows-dead");
  if (cmd.allNamespaces === true) {
    const names: QualifiedName[] = [];
    for (const namespace of Object.keys(d.names).sort()) {
      for (const [name, id] of Object.entries(d.names[namespace])) if (visible(id)) names.push({ name, namespace });
    }
    names.sort((a, b) => (a.namespace === b.namespace ? cmp(a.name, b.name) : cmp(a.namespace, b.namespace)));
    reply(fx, cmd.caller, { kind: "names", names }, "list.ok");
    return;
  }
  const registry = d.names[jobNamespace(d, cmd.caller)] ?? {};
  const names = Object.keys(registry).filter((name) => visible(registry[name])).sort(cmp);
  reply(fx, cmd.caller, { kind: "names", names }, "list.ok");
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The state API: the actor's lifecycle state (destroyed actors report DEAD). */
export function stateQuery(d: D, cmd: StateQuery, fx: Effects): void {
  if (!callerCanRun(d, cmd.caller, fx)) return;
  const actor = selectActor(d, cmd.actor);
  if (actor === undefined || actor.evicted === true) {
    // Ray's GetActorInfo finds it in neither registered_actors_ nor destroyed_actors_.
    fail(fx, cmd.caller, "NotFound", `The GCS has no actor ${cmd.actor}: it was destroyed and evicted from the GCS's cache of destroyed actors`, "state.evicted");
    return;
  }
  reply(fx, cmd.caller, { kind: "state", state: actor.lifecycle }, "state.ok");
}
