import type { Rpc } from "./rpc.js";
import type { ActorState, DeathCause, DrainReason, InitFailure, Lifetime } from "./protocol.js";

/**
 * The head's records (the GCS tables): jobs, actors, and what each one's OS
 * process is doing. Kept here, apart from the head's logic, so the shapes can
 * be read at a glance.
 */

/** A caller that can own actors: a driver (its job id) or an actor in one incarnation of its process. */
export interface OwnerRef {
  readonly caller: string;
  readonly incarnation: number;
}

/** One driver connection (`ray.init`). */
export interface JobRecord {
  readonly id: string;
  readonly namespace: string;
  readonly defaultLifetime: Lifetime;
  /** The node its driver runs on: HEAD, or a worker node's id (format version 2). */
  readonly node: string;
  running: boolean;
  /** The driver's process id, from its init (under GCS fault tolerance a restarted head watches it until the driver reconnects). */
  pid: number | null;
  /** Resolved when the driver's connection has closed and the head has processed it. */
  readonly ended: Promise<void>;
  readonly markEnded: () => void;
}

/** What the head decided should happen when an actor's process exits. */
export type Fate =
  /** The actor was destroyed (ray.kill, owner death, out of scope): its record is already DEAD. */
  | { readonly kind: "destroyed" }
  /** The process was told to die (ray.kill no_restart=False, exit_actor): handle it as a worker death. */
  | { readonly kind: "died"; readonly cause: DeathCause; readonly restartable: boolean };

/** An actor process the head started (itself, or through a worker node's agent), until the head has processed its exit. */
export interface ProcRecord {
  /** SIGKILLs the process: the head's own child, or through the agent of its node. */
  readonly kill: () => void;
  /** The node it runs on: HEAD, or a worker node's id. */
  readonly node: string;
  readonly incarnation: number;
  fate: Fate | null;
  /** Its process id, once known (a head's own child at once; on a worker node, never: the agent has it). */
  readonly pid: number | null;
  /**
   * Started by an earlier head (GCS fault tolerance): this head is not its
   * parent, so it sees the process's exit as the end of its connection, or,
   * before the process has reconnected, as its pid going away.
   */
  readonly reloaded: boolean;
  /** Resolved once the head has processed the process's exit. */
  readonly gone: Promise<void>;
  readonly markGone: () => void;
}

/** A worker node (format version 2): its agent process hosts its actor processes and drivers. */
export interface NodeRecord {
  readonly id: string;
  alive: boolean;
  /** The drain the GCS accepted last, if any: a draining node takes no new actors. */
  drain: DrainReason | null;
  /** The agent's connection to the head (it starts and kills the node's actor processes). */
  readonly conn: Rpc;
  /** The node's actor processes the head has not seen exit, by `actor/incarnation`. */
  readonly procs: Map<string, { readonly actor: ActorRecord; readonly proc: ProcRecord }>;
}

/** Node affinity (format version 2): `NodeAffinitySchedulingStrategy(node, soft)`. */
export interface Affinity {
  readonly node: string;
  readonly soft: boolean;
}

/** A caller waiting for an actor to become ALIVE (a call, or code to run inside it). */
export interface AliveWaiter {
  /** Gets the connection of the actor's ALIVE process. */
  readonly resolve: (conn: Rpc) => void;
  readonly reject: (error: Error) => void;
}

/** An actor as the head knows it. */
export interface ActorRecord {
  readonly id: string;
  readonly cls: string;
  readonly args: readonly unknown[];
  readonly name: string | null;
  readonly namespace: string;
  readonly detached: boolean;
  /** The owner of a non-detached actor; null for detached ones. */
  readonly owner: OwnerRef | null;
  /** Whoever called `.remote()`: it resolves the constructor's arguments. */
  readonly creator: OwnerRef;
  /** The job the actor's code runs in (its creator's). */
  readonly job: string;
  readonly maxRestarts: number;
  /** Node affinity from its creation, or null (format version 2). */
  readonly affinity: Affinity | null;
  /** Its constructor fails, and how (format version 2's initFails), or null. */
  readonly initFails: InitFailure | null;
  state: ActorState;
  numRestarts: number;
  /** Restarts caused by the preemption of a drained node: they do not count toward max_restarts. */
  preemptionRestarts: number;
  /** Set when the GCS accepted a preemption drain of its node while it ran there; cleared once it is created again. */
  preempted: boolean;
  /** Counts the actor's process deaths; an owner reference names one incarnation. */
  incarnation: number;
  deathCause: DeathCause | null;
  /** Still in the registered actors (false once destroyed). */
  registered: boolean;
  proc: ProcRecord | null;
  /** The connection of the current process, once it has said hello (it is ALIVE). */
  conn: Rpc | null;
  waiters: AliveWaiter[];
  /** `ray.kill(no_restart=False)` requests that arrived while the process was already dying of one: each kills the next process. */
  queuedKills: number;
  /** Under GCS fault tolerance, the Unix socket where the ALIVE process answers calls directly (so callers it knows reach it while the GCS is down). */
  direct: string | null;
  /** The incarnation a restarted head reloaded it in (not stored; for the seeded bug gcs-restart-unkillable), or null. */
  reloadedAt: number | null;
}

/** A promise with its resolver, for the head's barriers. */
export function barrier(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Ray's ActorDiedError text for a dead actor. */
export function deathMessage(actor: ActorRecord): string {
  const head = `The actor died unexpectedly before finishing this task. class_name: ${actor.cls} actor_id: ${actor.id}`;
  switch (actor.deathCause) {
    case "RAY_KILL": return `${head} The actor is dead because it was killed by \`ray.kill\`.`;
    case "OWNER_DIED": return `${head} The actor is dead because its owner has died.`;
    case "OUT_OF_SCOPE": return `${head} The actor is dead because all references to the actor were removed.`;
    case "REF_DELETED": return `${head} The actor is dead because all references to the actor were removed including lineage ref count.`;
    case "NODE_DIED": return `${head} The actor is dead because its node has died.`;
    case "UNSCHEDULABLE": return `The actor is not schedulable: the node specified via NodeAffinitySchedulingStrategy doesn't exist any more or is infeasible, and soft=False was specified. class_name: ${actor.cls} actor_id: ${actor.id}`;
    case "CREATION_TASK_ERROR": return `The actor died because of an error raised in its creation task, ray::${actor.cls}.__init__() (actor_id=${actor.id}) ValueError: the constructor raised (initFails)`;
    case "INTENDED_USER_EXIT": return `${head} The actor is dead because its worker process has died. Worker exit type: INTENDED_USER_EXIT Worker exit detail: exit_actor() is called.`;
    default: return `${head} The actor is dead because its worker process has died. Worker exit type: SYSTEM_ERROR`;
  }
}
