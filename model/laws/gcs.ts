import { canonicalJson } from "../fingerprint.js";
import type { Law } from "./law.js";

/**
 * After a GCS restart with persistence every name resolves to the actor it
 * named before: the tables come back from Redis as they were (what happened
 * while the GCS was down is processed afterwards, by the usual events).
 */
export const gcsReloadKeepsNames: Law = {
  kind: "always",
  name: "gcs-reload-keeps-names",
  sentence: "A GCS that restarts with its tables in Redis brings every name of a live actor back, bound to the actor it named before (the names of actors DEAD for good are not reloaded; the deaths of processes that crashed while it was down are handled after the reload).",
  check({ event, before, after }) {
    if ((event.type !== "startGcs" && event.type !== "restartGcs") || before.gcsStorage !== "redis") return null;
    // The deaths of processes that crashed while the GCS was down are handled right after the reload (crash.whileGcsDown).
    const crashed = (id: string): boolean => before.actors[id]?.crashedWhileDown === true;
    const live = (s: typeof before): Record<string, Record<string, string>> => {
      const out: Record<string, Record<string, string>> = {};
      for (const ns in s.names) for (const name in s.names[ns]) {
        const id = s.names[ns][name]!;
        if (s.actors[id]?.lifecycle !== "DEAD" && !crashed(id)) (out[ns] ??= {})[name] = id;
      }
      return out;
    };
    if (canonicalJson(live(after)) !== canonicalJson(live(before))) return `the names of live actors after the GCS's restart (${canonicalJson(live(after))}) are not those before it (${canonicalJson(live(before))})`;
    return null;
  },
  companion: "the GCS restarts with Redis while a name is held",
  reached: ({ event, before }) => (event.type === "startGcs" || event.type === "restartGcs") && before.gcsStorage === "redis" && Object.keys(before.names).length > 0,
};

/**
 * A kill processed after a GCS restart kills: the actor is DEAD and its name
 * free (issue #63763: a restarted GCS could not reach the workers of actors
 * ALIVE before it). With kill-eventually-processed (every kill sent is
 * eventually processed), an actor killed after a restart is eventually DEAD
 * and its name free.
 */
export const killAfterGcsRestart: Law = {
  kind: "always",
  name: "kill-after-gcs-restart",
  sentence: "A ray.kill (no_restart=True) processed by a GCS that has restarted leaves the actor DEAD and its name free.",
  check({ event, before, after }) {
    if (event.type !== "kill.processed" || !event.noRestart || (before.gcsRestarts ?? 0) === 0) return null;
    const b = before.actors[event.actor];
    if (b === undefined) return null;
    const a = after.actors[event.actor] ?? after.destroyed[event.actor];
    if (a !== undefined && a.lifecycle !== "DEAD") return `${event.actor} is ${a.lifecycle} after a kill the restarted GCS processed`;
    if (b.name !== null && after.names[b.namespace]?.[b.name] === b.id) return `${event.actor} still holds the name ${b.namespace}/${b.name} after a kill the restarted GCS processed`;
    return null;
  },
  companion: "a restarted GCS processes a kill of an actor that was ALIVE before the restart",
  reached: ({ event, before }) => event.type === "kill.processed" && event.noRestart && before.actors[event.actor]?.reloaded === true && before.actors[event.actor]?.lifecycle === "ALIVE",
};
