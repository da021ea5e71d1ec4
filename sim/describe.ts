import type { ModelEvent } from "../model/index.js";

/** Label → id, as a scenario binds them. */
type Labels = Readonly<Record<string, string>>;

/** A model id in the scenario's words: its label when it has one. */
export function labelOf(id: string, labels: Labels): string {
  for (const [label, bound] of Object.entries(labels)) if (bound === id) return label;
  return id;
}

/** `labelOf` for naming many ids with one table: the table is read once (it must not change afterwards). */
export function labelIndex(labels: Labels): (id: string) => string {
  const byId = new Map<string, string>();
  for (const [label, bound] of Object.entries(labels)) if (!byId.has(bound)) byId.set(bound, label);
  return (id) => byId.get(id) ?? id;
}

/** A short description of one event, for interleavings and logs: `d2 create Counter 'foo'`, `kill of a processed`. */
export function describeEvent(labels: Labels): (event: ModelEvent) => string {
  const l = (id: string): string => labelOf(id, labels);
  return (e) => {
    switch (e.type) {
      case "init": return `init${e.namespace === undefined ? "" : ` in ${e.namespace}`}`;
      case "create": return `${l(e.caller)} create ${e.cls}${e.name === undefined ? "" : ` '${e.name}'`}${e.getIfExists === true ? " getIfExists" : ""} (first step)`;
      case "continue": return `${l(e.caller)} continues its command`;
      case "get": return `${l(e.caller)} get '${e.name}'`;
      case "call": return `${l(e.caller)} call ${l(e.actor)}.${e.method}()`;
      case "kill": return `${l(e.caller)} kill ${l(e.actor)}${e.noRestart === false ? " (noRestart false)" : ""}`;
      case "drop": return `${l(e.caller)} drop ${l(e.actor)}`;
      case "exit": return `${l(e.caller)} exit`;
      case "list": return `${l(e.caller)} list${e.allNamespaces === true ? " (all namespaces)" : ""}`;
      case "state": return `${l(e.caller)} state of ${l(e.actor)}`;
      case "actor.crashed": return `${l(e.actor)} crashed`;
      case "kill.processed": return `kill of ${l(e.actor)} processed`;
      case "addNode": return "a node is added";
      case "drainNode": return `node ${l(e.node)} drained (${e.reason})`;
      case "cause": return `${l(e.caller)} death cause of ${l(e.actor)}`;
      case "placement": return `${l(e.caller)} node of ${l(e.actor)}`;
      case "node.died": return `node ${l(e.node)} died`;
      case "stopGcs": return "the GCS stops";
      case "startGcs": return "the GCS starts again";
      case "restartGcs": return "the GCS restarts";
      case "actor.created": case "actor.restarted": return `${e.type} (${l(e.actor)}${e.node === undefined ? "" : ` on ${l(e.node)}`})`;
      default: return `${e.type} (${l(e.actor)})`;
    }
  };
}
