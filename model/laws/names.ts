import { selectActor, selectCallerJob, type State } from "../state.js";
import type { Law } from "./law.js";

/** (1) Name uniqueness per namespace, and the registry tells the truth. */
export const nameUniqueness: Law = {
  kind: "always",
  name: "name-uniqueness",
  sentence: "In each namespace at most one live actor holds a name, the registry points only at registered actors that carry that name, and a live named actor can always be found by it.",
  check({ after }) {
    const seen = new Map<string, string>();
    for (const ns in after.names) {
      for (const name in after.names[ns]) {
        const id = after.names[ns][name];
        const a = after.actors[id];
        if (a === undefined) return `the registry maps ${ns}/${name} to ${id}, which is not registered`;
        if (a.name !== name || a.namespace !== ns) return `the registry maps ${ns}/${name} to ${id}, which is named ${a.namespace}/${a.name}`;
      }
    }
    for (const id in after.actors) {
      const a = after.actors[id];
      if (a.name === null || a.lifecycle === "DEAD") continue;
      const key = `${a.namespace}/${a.name}`;
      const other = seen.get(key);
      if (other !== undefined) return `${other} and ${id} are both live and named ${key}`;
      seen.set(key, id);
      if (after.names[a.namespace]?.[a.name] !== id) return `${id} is live and named ${key} but the registry does not find it`;
    }
    return null;
  },
  companion: "a creation refused because a live actor holds the name",
  reached: ({ observations }) => observations.some((o) => o.rule === "create.precheckTaken" || o.rule === "create.registerTaken"),
};

/** (4) A name is reusable once its actor is killed. */
export const nameReusableAfterKill: Law = {
  kind: "always",
  name: "name-reusable-after-kill",
  sentence: "Once a ray.kill (no_restart) is processed, the killed actor no longer holds its name, so a new actor may take it.",
  check({ event, after }) {
    if (event.type !== "kill.processed" || !event.noRestart) return null;
    const a = selectActor(after, event.actor);
    if (a.name === null) return null;
    return after.names[a.namespace]?.[a.name] === a.id ? `${a.id} still holds ${a.namespace}/${a.name} after its kill was processed` : null;
  },
  companion: "a name freed by a kill is taken by a new actor",
  reached: ({ before, after, observations }) =>
    observations.some((o) => {
      if (o.result.kind !== "handle" || before.actors[o.result.actor] !== undefined) return false;
      const a = after.actors[o.result.actor];
      if (a === undefined || a.name === null) return false;
      return Object.values(before.destroyed).some((d) => d.deathCause === "RAY_KILL" && d.name === a.name && d.namespace === a.namespace);
    }),
};

/** list_named_actors shows exactly the live named actors. */
export const listShowsLiveNames: Law = {
  kind: "always",
  name: "list-shows-live-names",
  sentence: "list_named_actors shows exactly the names held by actors that are not DEAD, in the caller's namespace (or in all of them).",
  check({ event, before, observations }) {
    if (event.type !== "list") return null;
    const o = observations.find((x) => x.caller === event.caller);
    if (o === undefined || o.result.kind !== "names") return null;
    const shown = o.result.names.map((n) => (typeof n === "string" ? n : `${n.namespace}/${n.name}`)).sort();
    const expected = liveNames(before, event.allNamespaces === true ? null : selectCallerJob(before, event.caller).namespace);
    return shown.join(",") === expected.join(",") ? null : `list_named_actors by ${event.caller} showed [${shown.join(", ")}], the live names are [${expected.join(", ")}]`;
  },
  companion: "a list is made after a named actor of the caller's namespace has died",
  reached: ({ event, before }) => {
    if (event.type !== "list") return false;
    const ns = selectCallerJob(before, event.caller).namespace;
    const died = (a: { name: string | null; namespace: string; lifecycle: string }) => a.name !== null && a.namespace === ns && a.lifecycle === "DEAD";
    return Object.values(before.destroyed).some(died) || Object.values(before.actors).some(died);
  },
};

/** The names of registered actors that are not DEAD: in one namespace as bare names, or in all as "ns/name". */
function liveNames(state: State, namespace: string | null): string[] {
  const out: string[] = [];
  for (const a of Object.values(state.actors)) {
    if (a.name === null || a.lifecycle === "DEAD") continue;
    if (namespace === null) out.push(`${a.namespace}/${a.name}`);
    else if (a.namespace === namespace) out.push(a.name);
  }
  return out.sort();
}
