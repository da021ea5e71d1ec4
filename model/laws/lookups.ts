import { canonicalJson } from "../fingerprint.js";
import { PROFILES } from "../profile.js";
import { selectActor, selectCallerJob } from "../state.js";
import type { Law } from "./law.js";

/** (2) get_if_exists ignores arguments and options when the actor exists. */
export const getIfExistsIgnoresArguments: Law = {
  kind: "always",
  name: "get-if-exists-ignores-arguments",
  sentence: "When get_if_exists finds the actor, it returns that actor unchanged: the new class, arguments and options are ignored.",
  check({ before, after, observations }) {
    for (const o of observations) {
      if (o.result.kind !== "handle" || (o.rule !== "getIfExists.existing" && o.rule !== "getIfExists.lostRace")) continue;
      const b = before.actors[o.result.actor];
      const a = after.actors[o.result.actor];
      if (b === undefined) return `get_if_exists returned ${o.result.actor}, which did not exist before`;
      if (a === undefined || a.cls !== b.cls || canonicalJson(a.args) !== canonicalJson(b.args) || a.detached !== b.detached || a.maxRestarts !== b.maxRestarts || canonicalJson(a.owner) !== canonicalJson(b.owner)) {
        return `get_if_exists changed the existing actor ${b.id}`;
      }
    }
    return null;
  },
  companion: "get_if_exists returns an existing actor although it was given other arguments or another class",
  reached: ({ event, before, observations }) =>
    event.type === "create" &&
    observations.some((o) => {
      if (o.result.kind !== "handle" || o.rule !== "getIfExists.existing") return false;
      const b = before.actors[o.result.actor];
      return b !== undefined && (b.cls !== event.cls || JSON.stringify(b.args) !== JSON.stringify(event.args ?? []));
    }),
};

/** Namespaces isolate lookups. */
export const namespacesIsolate: Law = {
  kind: "always",
  name: "namespaces-isolate-lookups",
  sentence: "get_actor only ever returns an actor registered under that name in the namespace asked for (the caller's job's, unless one is given).",
  check({ event, before, observations }) {
    if (event.type !== "get") return null;
    for (const o of observations) {
      if (o.result.kind !== "handle") continue;
      const a = selectActor(before, o.result.actor);
      const ns = event.namespace ?? selectCallerJob(before, event.caller).namespace;
      if (a.namespace !== ns || a.name !== event.name) return `get_actor('${event.name}') in ${ns} returned ${a.id}, named ${a.namespace}/${a.name}`;
    }
    return null;
  },
  companion: "a lookup misses although another namespace holds the name",
  reached: ({ event, before, observations }) =>
    event.type === "get" &&
    observations.some((o) => o.result.kind === "error" && o.result.error === "NotFound") &&
    Object.values(before.names).some((names) => names[event.name] !== undefined),
};

/** Handles never move to another actor. */
export const handlesNeverMove: Law = {
  kind: "always",
  name: "handles-never-move",
  sentence: "A call through a handle reaches the actor the handle was bound to, or fails if it is dead; it never reaches a newer actor that took the name.",
  check({ event, before, after, observations }) {
    if (event.type !== "call") return null;
    for (const id in after.actors) {
      if (id !== event.actor && before.actors[id] !== undefined && canonicalJson(before.actors[id].data) !== canonicalJson(after.actors[id].data)) {
        return `a call through a handle to ${event.actor} changed ${id}`;
      }
    }
    const target = selectActor(before, event.actor);
    const o = observations.find((x) => x.caller === event.caller);
    if (target.lifecycle === "DEAD" && o !== undefined && o.result.kind === "value") return `a call to the DEAD actor ${target.id} returned a value`;
    return null;
  },
  companion: "a call through an old handle whose name now belongs to a newer actor",
  reached: ({ event, before }) => {
    if (event.type !== "call") return false;
    const a = selectActor(before, event.actor);
    if (a.name === null) return false;
    const holder = before.names[a.namespace]?.[a.name];
    return holder !== undefined && holder !== a.id;
  },
};

/** get_if_exists finds the holder or creates; NotFound only when the holder vanished mid-race (never in the seed's reading). */
export const getIfExistsFindsOrCreates: Law = {
  kind: "always",
  name: "get-if-exists-finds-or-creates",
  sentence: "get_if_exists returns the actor holding the name or a new one; it never answers NotFound while an actor holds the name (and, in the seed's reading, never at all).",
  check({ event, before, observations }) {
    const inflight = event.type === "continue" ? before.inflight[event.caller] : undefined;
    const getIfExists = (event.type === "create" && event.getIfExists === true) || inflight?.op === "getIfExists";
    if (!getIfExists) return null;
    const caller = (event as { caller: string }).caller;
    const o = observations.find((x) => x.caller === caller);
    if (o === undefined || o.result.kind !== "error" || o.result.error !== "NotFound") return null;
    if (PROFILES[before.profile].getIfExistsReraisesCreateError) return `get_if_exists by ${caller} answered NotFound`;
    const request = inflight === undefined || inflight.op === "call" ? undefined : inflight.request;
    if (inflight === undefined || inflight.op === "call" || inflight.next !== "lookupAgain" || request === undefined || request.name === null) {
      return `get_if_exists by ${caller} answered NotFound before its final lookup`;
    }
    const holder = before.names[request.namespace]?.[request.name];
    return holder === undefined ? null : `get_if_exists by ${caller} answered NotFound while ${holder} holds ${request.namespace}/${request.name}`;
  },
  companion: "get_if_exists meets a name already held, at its first lookup or after losing the registration race",
  reached: ({ observations }) => observations.some((o) => o.rule === "getIfExists.existing" || o.rule === "getIfExists.lostRace"),
};
