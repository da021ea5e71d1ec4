import { CLASSES } from "../classes.js";
import { canonicalJson } from "../fingerprint.js";
import { isJobId, selectActor, selectOwnerAlive } from "../state.js";
import type { Law } from "./law.js";

/** (3) Detached actors survive their job's exit. */
export const detachedSurviveJob: Law = {
  kind: "always",
  name: "detached-survive-job",
  sentence: "A detached actor that has been scheduled never dies because its creator's job ended: only a kill, a failure or its own exit ends it.",
  check({ event, before, after }) {
    const jobEnd = (event.type === "exit" && isJobId(event.caller)) || event.type === "owner.death.processed";
    for (const id in before.actors) {
      const b = before.actors[id];
      if (!b.detached || b.lifecycle === "DEPENDENCIES_UNREADY" || b.lifecycle === "DEAD") continue;
      const a = selectActor(after, id);
      if (a.lifecycle === "DEAD" && a.deathCause === "OWNER_DIED") return `the detached actor ${id} died with cause OWNER_DIED`;
      // A driver's exit, or the processing of an owner's death, leaves every scheduled detached actor as it was.
      if (jobEnd && (after.actors[id] === undefined || a.lifecycle !== b.lifecycle)) return `${event.type} changed the detached actor ${id} (${b.lifecycle} → ${a.lifecycle})`;
    }
    return null;
  },
  companion: "a driver exits while a detached actor it created is alive",
  reached: ({ event, before }) =>
    event.type === "exit" &&
    Object.values(before.actors).some((a) => a.detached && a.creator.caller === event.caller && a.lifecycle === "ALIVE"),
};

/** Owned actors die with their owner. */
export const ownedDieWithOwner: Law = {
  kind: "always",
  name: "owned-die-with-owner",
  sentence: "Once the cluster has settled, no non-detached actor outlives its owner, and none is ever restarted or created after its owner died.",
  check({ before, after, settled }) {
    for (const id in after.actors) {
      const a = after.actors[id];
      if (a.owner === null || selectOwnerAlive(after, a.owner)) continue;
      if (settled) return `${id} is still registered (${a.lifecycle}) although its owner ${a.owner.caller} is dead and the cluster has settled`;
      const b = before.actors[id];
      if (b !== undefined && b.lifecycle !== "ALIVE" && a.lifecycle === "ALIVE") return `${id} became ALIVE after its owner ${a.owner.caller} died`;
    }
    return null;
  },
  companion: "an owner dies while it owns a live actor",
  reached: ({ before, after }) =>
    Object.values(before.actors).some((a) => a.owner !== null && a.lifecycle === "ALIVE" && selectOwnerAlive(before, a.owner) && !selectOwnerAlive(after, a.owner)),
};

/** A restart keeps the name and re-runs the constructor. */
export const restartKeepsName: Law = {
  kind: "always",
  name: "restart-keeps-name",
  sentence: "A restarted actor keeps its id and its name, and its state is what its constructor makes of the original arguments.",
  check({ event, before, after }) {
    if (event.type !== "actor.restarted") return null;
    // A constructor that fails (initFails) does not complete the restart: its run ends the process again (failed-constructor-never-alive).
    if (before.actors[event.actor]?.initFails !== undefined) return null;
    const a = after.actors[event.actor];
    if (a === undefined) return `${event.actor} was restarted but is not registered`;
    if (a.name !== null && after.names[a.namespace]?.[a.name] !== a.id) return `${a.id} lost its name ${a.namespace}/${a.name} in a restart`;
    if (canonicalJson(a.data) !== canonicalJson(CLASSES[a.cls].construct(a.args))) return `${a.id}'s state after the restart is not its constructor's`;
    return null;
  },
  companion: "a named actor whose state had changed restarts",
  reached: ({ event, before }) => {
    if (event.type !== "actor.restarted") return false;
    const b = before.actors[event.actor];
    return b !== undefined && b.name !== null && canonicalJson(b.data) !== canonicalJson(CLASSES[b.cls].construct(b.args));
  },
};
