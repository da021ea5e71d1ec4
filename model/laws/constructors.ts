import type { Law } from "./law.js";

/**
 * A constructor that raises never leaves its name bound to a live actor: an
 * actor whose constructor raises (`initFails: "raise"`) is never ALIVE and is
 * never restarted (Ray's CreationTaskError is not retried, whatever
 * max_restarts says: issue #46746), so whatever holds its name holds a DEAD
 * actor or nothing.
 */
export const failedConstructorNeverAlive: Law = {
  kind: "always",
  name: "failed-constructor-never-alive",
  sentence: "An actor whose constructor raises is never ALIVE and never restarted: a name it holds is held by a DEAD actor, never a live one.",
  check({ event, before, after }) {
    for (const ns in after.names) {
      for (const name in after.names[ns]) {
        const a = after.actors[after.names[ns][name]!];
        if (a?.initFails !== "raise") continue;
        if (a.lifecycle === "ALIVE") return `the name ${ns}/${name} is bound to ${a.id}, ALIVE although its constructor raises`;
      }
    }
    for (const id in after.actors) {
      const a = after.actors[id]!;
      if (a.initFails === "raise" && a.lifecycle === "ALIVE") return `${id} is ALIVE although its constructor raises`;
    }
    // The constructor's run itself (a creation or a restart) ends the actor for good: a crash or a kill may restart it, its own error never does.
    if (event.type === "actor.created" || event.type === "actor.restarted") {
      const a = after.actors[event.actor] ?? after.destroyed[event.actor];
      if (before.actors[event.actor]?.initFails === "raise" && a !== undefined && a.lifecycle !== "DEAD") return `${event.actor} is ${a.lifecycle} after its constructor raised (a CreationTaskError is never retried)`;
    }
    return null;
  },
  companion: "a named actor with restarts left whose constructor raised",
  reached: ({ event, before }) =>
    (event.type === "actor.created" || event.type === "actor.restarted") &&
    before.actors[event.actor]?.initFails === "raise" && before.actors[event.actor]!.name !== null && before.actors[event.actor]!.maxRestarts !== 0,
};
