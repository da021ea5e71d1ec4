import { compact } from "../compact.js";
import { HEAD, selectJob, type Command, type Fault, type Json, type State } from "../../model/index.js";
import type { NamespaceRef, Step } from "./types.js";

/** Label → model id (a job id for drivers, an actor id for actors). */
export type Labels = Readonly<Record<string, string>>;

/** The namespace a scenario's reference names: a string as it is, `{ of: d }` the namespace of driver d. */
export function resolveNamespace(ref: NamespaceRef | undefined, labels: Labels, state: State): string | undefined {
  if (ref === undefined || typeof ref === "string") return ref;
  return selectJob(state, labels[ref.of]).namespace;
}

/** The model command (or fault, for `crash`) that a scenario step asks for, in model ids. */
export function stepToEvent(step: Step, labels: Labels, state: State): Command | Fault {
  const caller = step.by === undefined ? "" : labels[step.by];
  const actor = step.actor === undefined ? "" : labels[step.actor];
  const namespace = resolveNamespace(step.namespace, labels, state);
  // A node label: "head", or one an earlier addNode bound (version 2).
  const node = step.node === undefined ? undefined : step.node === HEAD ? HEAD : labels[step.node];
  switch (step.do) {
    case "init":
      return compact({ type: "init", namespace, defaultLifetime: step.defaultLifetime, node: node === HEAD ? undefined : node });
    case "create":
      return compact({
        type: "create", caller, cls: step.class as string, args: step.args as Json[] | undefined, name: step.name,
        namespace, lifetime: step.lifetime, getIfExists: step.getIfExists, maxRestarts: step.maxRestarts, node, soft: step.soft, initFails: step.initFails,
      });
    case "addNode":
      return { type: "addNode", caller: "" };
    case "killNode":
      return { type: "node.died", node: node as string };
    case "drainNode":
      return { type: "drainNode", caller: "", node: node as string, reason: step.reason as "preemption" | "idle" }; // required by the schema
    case "deathCause":
      return { type: "cause", caller, actor };
    case "placement":
      return { type: "placement", caller, actor };
    case "stopGcs":
    case "startGcs":
    case "restartGcs":
      return { type: step.do, caller: "" };
    case "get":
      return compact({ type: "get", caller, name: step.name as string, namespace });
    case "call":
      return compact({ type: "call", caller, actor, method: step.method as string, args: step.args as Json[] | undefined });
    case "kill":
      return compact({ type: "kill", caller, actor, noRestart: step.noRestart });
    case "drop":
      return { type: "drop", caller, actor };
    case "exit":
      return { type: "exit", caller };
    case "crash":
      return { type: "actor.crashed", actor };
    case "list":
      return compact({ type: "list", caller, allNamespaces: step.allNamespaces });
    case "state":
      return { type: "state", caller, actor };
  }
}
