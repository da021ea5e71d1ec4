import type { Command } from "./command.js";

/**
 * Internal events: what the cluster does on its own, as facts in the past
 * tense. Faults: what the environment does to it.
 */
export type InternalEvent =
  /** The owner resolved the constructor's arguments; the GCS schedules the actor. */
  | { readonly type: "actor.scheduled"; readonly actor: string }
  /** The actor's process ran its constructor, on `node` (given once the cluster has worker nodes). */
  | { readonly type: "actor.created"; readonly actor: string; readonly node?: string }
  /** A restarted actor's process ran its constructor again, on `node` (given once the cluster has worker nodes). */
  | { readonly type: "actor.restarted"; readonly actor: string; readonly node?: string }
  /** The GCS could not place the actor: its hard node affinity names a node that is dead or draining. */
  | { readonly type: "actor.unschedulable"; readonly actor: string }
  /** The GCS handled a `ray.kill` request. */
  | { readonly type: "kill.processed"; readonly actor: string; readonly noRestart: boolean }
  /** The GCS learned that an actor's owner died. */
  | { readonly type: "owner.death.processed"; readonly actor: string }
  /** The owner reported that it holds no more strong handles to the actor. */
  | { readonly type: "actor.out_of_scope"; readonly actor: string }
  /** The last lineage reference of an out-of-scope actor went away. */
  | { readonly type: "lineage.released"; readonly actor: string };

export type Fault =
  /** The actor's process died unexpectedly (SIGKILL, OOM, `os._exit`). */
  | { readonly type: "actor.crashed"; readonly actor: string }
  /** A worker node died: its raylet and every worker process on it (the GCS's OnNodeDead). */
  | { readonly type: "node.died"; readonly node: string };

/** The fault of one actor's process (what programs of drivers inject). */
export type CrashFault = Extract<Fault, { type: "actor.crashed" }>;

/** True for a fault. */
export function isFault(event: ModelEvent): event is Fault {
  return event.type === "actor.crashed" || event.type === "node.died";
}

/** Everything the reducer accepts. */
export type ModelEvent = Command | InternalEvent | Fault;

export const INTERNAL_EVENT_TYPES = [
  "actor.scheduled", "actor.created", "actor.restarted", "kill.processed",
  "owner.death.processed", "actor.out_of_scope", "lineage.released", "actor.unschedulable",
] as const;

/** True for an event that a caller asked for (a command). */
export function isCommand(event: ModelEvent): event is Command {
  return !event.type.includes(".");
}
