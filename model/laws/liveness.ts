import { selectOwnerAlive, type Actor, type State } from "../state.js";
import { placements } from "../events/actor-created.js";
import type { LivenessLaw } from "./law.js";

/*
 * The liveness laws (docs/semantics.md#liveness): what the cluster does
 * eventually, on every path that is weakly fair to its internal events and to
 * the next step of each caller's command in flight. A driver is never obliged
 * to issue a new operation, and nothing is obliged to crash.
 */

/** Instance keys `prefix:id` of the registered actors that `pick` accepts. */
function actorsWhere(state: State, prefix: string, pick: (a: Actor) => boolean): string[] {
  const out: string[] = [];
  for (const id in state.actors) if (pick(state.actors[id]!)) out.push(`${prefix}:${id}`);
  return out;
}

/** A companion that is the law's obligation itself: something is owed. */
function owesSomething(owed: (state: State) => readonly string[]): (state: State) => boolean {
  return (state) => owed(state).length > 0;
}

const kills = (state: State): string[] => state.kills.map((k) => `kill:${k.actor}:${k.noRestart ? "no_restart" : "restart"}:${k.by}`);
const orphans = (state: State): string[] => actorsWhere(state, "orphan", (a) => a.owner !== null && a.lifecycle !== "DEAD" && !selectOwnerAlive(state, a.owner));
const inflight = (state: State): string[] => Object.keys(state.inflight).map((caller) => `inflight:${caller}`);
// With worker nodes, a restart waits while no node can take the actor (every worker node dead or draining), as Ray's does: not owed then.
const restarting = (state: State): string[] => actorsWhere(state, "restart", (a) => a.lifecycle === "RESTARTING" && placements(state, a)?.length !== 0);

/** A sent kill is eventually processed. */
export const killEventuallyProcessed: LivenessLaw = {
  kind: "eventually",
  name: "kill-eventually-processed",
  sentence: "A ray.kill that a caller has sent is eventually processed by the GCS.",
  // A caller's next request waits for its own kill, so a caller has at most one kill pending: (actor, no_restart, caller) names it.
  owed: kills,
  companion: "a ray.kill is sent and not yet processed",
  reached: owesSomething(kills),
};

/** An owned actor whose owner is dead is eventually DEAD. */
export const orphanEventuallyDead: LivenessLaw = {
  kind: "eventually",
  name: "orphan-eventually-dead",
  sentence: "An owned actor whose owner has exited (or died) is eventually DEAD.",
  owed: orphans,
  companion: "an owned actor outlives its owner for a while",
  reached: owesSomething(orphans),
};

/**
 * A name freed by a processed kill can eventually be taken: once a ray.kill
 * (no_restart=True) of a named actor is processed, the registry eventually
 * stops mapping the name to the killed actor, so a create of the name
 * registers. Owed while the registry maps a name to an actor destroyed by a
 * ray.kill (DEAD of RAY_KILL, its record kept out of scope: what a destroy
 * that keeps the name leaves). Not owed for an owned actor that died of a
 * ray.kill(no_restart=False) before it was created (also RAY_KILL): like any
 * failed owned actor it keeps its name while its owner holds it.
 */
export const killedNameEventuallyFree: LivenessLaw = {
  kind: "eventually",
  name: "killed-name-eventually-free",
  sentence: "Once a ray.kill (no_restart) of a named actor is processed, the registry eventually stops mapping the name to it, so a new actor can take the name.",
  owed: (state) => {
    const out: string[] = [];
    for (const ns in state.names) {
      const names = state.names[ns]!;
      for (const name in names) {
        const a = state.actors[names[name]!];
        if (a !== undefined && a.lifecycle === "DEAD" && a.deathCause === "RAY_KILL" && a.outOfScope) out.push(`name:${ns}/${name}:${a.id}`);
      }
    }
    return out;
  },
  companion: "a name freed by a processed kill is taken by a new actor",
  reached: (state) => {
    for (const id in state.destroyed) {
      const d = state.destroyed[id]!;
      if (d.deathCause !== "RAY_KILL" || d.name === null) continue;
      const holder = state.names[d.namespace]?.[d.name];
      if (holder !== undefined && holder !== d.id) return true;
    }
    return false;
  },
};

/** Every command in flight is eventually answered. */
export const callEventuallyAnswered: LivenessLaw = {
  kind: "eventually",
  name: "call-eventually-answered",
  sentence: "Every call eventually returns or fails: a caller with a command in flight (a call sent to its actor, a creation between its steps) eventually gets its answer.",
  owed: inflight,
  companion: "a caller has a command in flight",
  reached: owesSomething(inflight),
};

/** A restarting actor eventually runs again or dies. */
export const restartEventuallyEnds: LivenessLaw = {
  kind: "eventually",
  name: "restart-eventually-ends",
  sentence: "An actor that is RESTARTING is eventually ALIVE again or DEAD (with worker nodes: while some node can take it).",
  owed: restarting,
  companion: "an actor is RESTARTING",
  reached: owesSomething(restarting),
};

/** The liveness laws, checked by `rollcall check` (checker/liveness.ts) on the graph of the search. */
export const LIVENESS_LAWS: readonly LivenessLaw[] = [
  killEventuallyProcessed,
  orphanEventuallyDead,
  killedNameEventuallyFree,
  callEventuallyAnswered,
  restartEventuallyEnds,
];
