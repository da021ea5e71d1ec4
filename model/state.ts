import type { ClassData, ClassName } from "./classes.js";
import type { Json } from "./json.js";
import type { ActorLifecycle, JobLifecycle } from "./lifecycle.js";
import type { ProfileName } from "./profile.js";
import type { MutantName } from "./mutants.js";

/**
 * The whole cluster as plain, serialisable, normalised data: records keyed by
 * id, counters for fresh ids. Ids are `j<n>` for jobs (a driver is its job) and
 * `a<n>` for actors; a caller is either. Record keys are never deleted from
 * `jobs` and `actors`, so their insertion order is creation order, which the
 * deterministic order of enabled events relies on.
 */
export interface State {
  readonly profile: ProfileName;
  /** A seeded bug the reducer runs with (model/mutants.ts); absent for the model itself. */
  readonly mutant?: MutantName;
  readonly counters: { readonly job: number; readonly actor: number };
  /** Running jobs. */
  readonly jobs: Readonly<Record<string, Job>>;
  /** Finished jobs: their drivers exited; kept for their namespaces. */
  readonly finished: Readonly<Record<string, Job>>;
  /** Registered actors (Ray's `registered_actors_`), DEAD ones that still hold their names included. */
  readonly actors: Readonly<Record<string, Actor>>;
  /**
   * Destroyed actors (Ray's `destroyed_actors_`), oldest first: kept for state
   * queries and calls through old handles, at most the profile's
   * `destroyedActorCache` of them (older ones are evicted, rule
   * `gcs.destroyedEvicted`), plus evicted ones still held (`evicted`).
   */
  readonly destroyed: Readonly<Record<string, Actor>>;
  /** The GCS name registry: namespace → name → actor id. */
  readonly names: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Handles each live caller holds: caller → actor → kind. */
  readonly handles: Readonly<Record<string, Readonly<Record<string, HandleKind>>>>;
  /** Commands of several atomic steps that a caller has begun and not finished. */
  readonly inflight: Readonly<Record<string, Inflight>>;
  /** `ray.kill` requests sent to the GCS and not yet processed, oldest first. */
  readonly kills: readonly PendingKill[];
  /** Overrides the profile's size of the GCS's cache of destroyed actors (`Profile.destroyedActorCache`); absent normally. */
  readonly destroyedActorCache?: number;
  /**
   * The worker nodes added to the cluster (`addNode`), by id `n1`, `n2`, … in
   * the order they were added. Absent while the cluster is the head node
   * alone (every version-1 scenario): the head, id `head`, is always there
   * and never dies. Once a worker node exists, actors are placed on worker
   * nodes only (the head runs drivers, as in Ray's own multi-node tests,
   * whose head has no CPUs).
   */
  readonly nodes?: Readonly<Record<string, Node>>;
  /**
   * The GCS's storage (format version 2's `gcsStorage`): `redis`, its tables
   * persisted in an external Redis and reloaded when it restarts (GCS fault
   * tolerance); absent, in its own memory, lost with it.
   */
  readonly gcsStorage?: "redis";
  /** Set while the GCS process is stopped (`stopGcs`): nothing the GCS does happens, commands that need it block. */
  readonly gcsDown?: boolean;
  /** How many times the GCS has restarted (`startGcs`); absent before the first. */
  readonly gcsRestarts?: number;
}

/** The id of the head node. */
export const HEAD = "head";

/** Why a node is being drained (Ray's DrainNodeReason): preemption, or idle termination. */
export type DrainReason = "preemption" | "idle";

/** A worker node. */
export interface Node {
  readonly id: string;
  /** False once the node died (its raylet and every worker process on it). */
  readonly alive: boolean;
  /** The reason of the last drain request the GCS accepted for it; a draining node takes no new actors. */
  readonly drain?: DrainReason;
}

/** Where an actor must run (`NodeAffinitySchedulingStrategy`): on `node`, or, with `soft`, elsewhere when that node cannot take it. */
export interface Affinity {
  readonly node: string;
  readonly soft: boolean;
}

export type Lifetime = "detached" | "non_detached";

/** A job: one driver connection (`ray.init`). */
export interface Job {
  readonly id: string;
  readonly namespace: string;
  /** The namespace was made up for this job (no namespace given, `ray` profile). */
  readonly anonymous: boolean;
  readonly defaultLifetime: Lifetime;
  readonly lifecycle: JobLifecycle;
  /** The node its driver runs on; absent for the head. */
  readonly node?: string;
}

/** Strong handles count toward the owner's references; weak ones (from `get`) do not. */
export type HandleKind = "strong" | "weak";

/** Why an actor died, in Ray's words (ActorDiedErrorContext reasons, and the worker's exit type). */
export type DeathCause =
  | "RAY_KILL"
  | "OWNER_DIED"
  | "OUT_OF_SCOPE"
  | "REF_DELETED"
  | "WORKER_DIED"
  | "INTENDED_USER_EXIT"
  /** Its node died (the reason NODE_DIED of Ray's ActorDiedErrorContext). */
  | "NODE_DIED"
  /** It could not be placed: its hard node affinity names a node that is dead or draining (Ray's actor_unschedulable_context). */
  | "UNSCHEDULABLE"
  /** Its constructor raised (Ray's creation_task_failure_context): never restarted. */
  | "CREATION_TASK_ERROR";

/** Every death cause, in the order above (the scenario format's and the protocol's enum). */
export const DEATH_CAUSES: readonly DeathCause[] = ["RAY_KILL", "OWNER_DIED", "OUT_OF_SCOPE", "REF_DELETED", "WORKER_DIED", "INTENDED_USER_EXIT", "NODE_DIED", "UNSCHEDULABLE", "CREATION_TASK_ERROR"];

/**
 * How an actor's constructor fails, every time it runs (format version 2's
 * `initFails`): it raises an exception (`raise`: Ray's CreationTaskError,
 * never retried), or its process exits from inside it, with `sys.exit(1)`
 * (`exit`: a crash, restarted while restarts are left) or `sys.exit(0)`
 * (`exit0`: an intended exit, not restarted).
 */
export type InitFailure = "raise" | "exit" | "exit0";

export const INIT_FAILURES: readonly InitFailure[] = ["raise", "exit", "exit0"];

/** Who owns an actor: a caller, in one incarnation (an actor's restart is a new process). */
export interface Owner {
  readonly caller: string;
  readonly incarnation: number;
}

/** An actor as the GCS knows it, with the class's own state. */
export interface Actor {
  readonly id: string;
  readonly cls: ClassName;
  readonly args: readonly Json[];
  readonly name: string | null;
  readonly namespace: string;
  readonly detached: boolean;
  /** The owner of a non-detached actor; null for detached ones. */
  readonly owner: Owner | null;
  /** The caller whose `.remote()` made it (it resolves the constructor's arguments). */
  readonly creator: Owner;
  /** The job whose code created it. */
  readonly job: string;
  /** The detached actor at the root of its tree (itself if detached), or null. */
  readonly root: string | null;
  readonly lifecycle: ActorLifecycle;
  readonly maxRestarts: number;
  readonly numRestarts: number;
  /** Counts the actor's processes: bumped each time its process dies. */
  readonly incarnation: number;
  readonly deathCause: DeathCause | null;
  /** The owner reported it out of scope while it could restart (kept for lineage). */
  readonly outOfScope: boolean;
  /** The class's own state; null until the constructor has run. */
  readonly data: ClassData | null;
  /**
   * Set on a destroyed actor the GCS has evicted from its cache of destroyed
   * actors while callers still hold handles to it: the record stays for them
   * (their workers know it died, and how), the state API no longer finds it.
   */
  readonly evicted?: true;
  /** The node its process runs on, once placed (absent on the head, or before it is placed). */
  readonly node?: string;
  /** Its node affinity (`create`'s `node`), if any. */
  readonly affinity?: Affinity;
  /** Its node is being drained for preemption (Ray's ActorTableData.preempted); cleared when it is next created. */
  readonly preempted?: true;
  /** Restarts caused by preemption (num_restarts_due_to_node_preemption): they do not count toward max_restarts. */
  readonly preemptionRestarts?: number;
  /** Its constructor fails each time it runs, and how (`create`'s `initFails`); absent: it succeeds. */
  readonly initFails?: InitFailure;
  /** It was loaded back from storage by a restarted GCS (`startGcs` with `gcsStorage: redis`): the seeded bugs of reloads look at it. */
  readonly reloaded?: true;
  /** Its process crashed while the GCS was stopped: the GCS learns of the death when it starts again (after its reload). */
  readonly crashedWhileDown?: true;
}

/** A command of several atomic steps, paused between two of them. */
export type Inflight =
  | { readonly op: "create"; readonly next: "register"; readonly request: CreateRequest }
  | { readonly op: "getIfExists"; readonly next: "register"; readonly request: CreateRequest }
  | {
      readonly op: "getIfExists";
      readonly next: "lookupAgain";
      readonly request: CreateRequest;
      readonly createError: string;
    }
  /**
   * A method call sent to a live actor that may restart, not yet answered
   * (at-most-once: if the actor's process dies before it answers, the call
   * fails even though the actor comes back).
   */
  | { readonly op: "call"; readonly next: "execute"; readonly actor: string; readonly method: string; readonly incarnation: number };

/** A validated creation request, with its namespace and lifetime resolved. */
export interface CreateRequest {
  readonly cls: ClassName;
  readonly args: readonly Json[];
  readonly name: string | null;
  readonly namespace: string;
  readonly detached: boolean;
  readonly maxRestarts: number;
  readonly affinity?: Affinity;
  readonly initFails?: InitFailure;
}

export interface PendingKill {
  readonly actor: string;
  readonly noRestart: boolean;
  /** The caller that sent it: its next request reaches the GCS after the kill (one channel). */
  readonly by: string;
}

/** The state of a fresh cluster under a profile. */
export function initialState(profile: ProfileName, mutant?: MutantName, limits?: { readonly destroyedActorCache?: number; readonly gcsStorage?: "redis" }): State {
  const cache = limits?.destroyedActorCache;
  if (cache !== undefined && (!Number.isInteger(cache) || cache < 1)) throw new RangeError(`the cache of destroyed actors holds at least 1 actor, got ${cache}`);
  return {
    profile,
    ...(mutant === undefined ? {} : { mutant }),
    ...(cache === undefined ? {} : { destroyedActorCache: cache }),
    ...(limits?.gcsStorage === undefined ? {} : { gcsStorage: limits.gcsStorage }),
    counters: { job: 0, actor: 0 },
    jobs: {},
    finished: {},
    actors: {},
    destroyed: {},
    names: {},
    handles: {},
    inflight: {},
    kills: [],
  };
}

/** True when the caller id names a job (a driver). */
export function isJobId(id: string): boolean {
  return id.charCodeAt(0) === 106; // "j"
}

/** The job a caller runs in: a driver's own job, or the job of the actor's creator. */
export function selectCallerJob(state: State, caller: string): Job {
  return selectJob(state, isJobId(caller) ? caller : selectActor(state, caller).job);
}

/** The actor registered under (namespace, name), if any. */
export function selectNamed(state: State, namespace: string, name: string): Actor | undefined {
  const id = state.names[namespace]?.[name];
  return id === undefined ? undefined : state.actors[id];
}

/** An owner reference to a caller as it is now. */
export function ownerRef(state: State, caller: string): Owner {
  return { caller, incarnation: isJobId(caller) ? 0 : selectActor(state, caller).incarnation };
}

/** True while the owner of an actor (a running driver, or an actor in the same process incarnation) lives. */
export function selectOwnerAlive(state: State, owner: Owner): boolean {
  if (isJobId(owner.caller)) return state.jobs[owner.caller] !== undefined;
  const a = state.actors[owner.caller];
  return a !== undefined && a.lifecycle !== "DEAD" && a.incarnation === owner.incarnation;
}

/** True while a caller can run code: a running driver, or an ALIVE actor. */
export function selectCallerAlive(state: State, caller: string): boolean {
  return isJobId(caller) ? state.jobs[caller]?.lifecycle === "RUNNING" : state.actors[caller]?.lifecycle === "ALIVE";
}

/** A job by id, running or finished. */
export function selectJob(state: State, id: string): Job {
  return state.jobs[id] ?? state.finished[id];
}

/** An actor by id, registered or destroyed. */
export function selectActor(state: State, id: string): Actor {
  return state.actors[id] ?? state.destroyed[id];
}

/** The number of restarts an actor has left (Infinity for maxRestarts -1). */
export function selectRestartsLeft(actor: Actor): number {
  return actor.maxRestarts === -1 ? Infinity : Math.max(0, actor.maxRestarts - actor.numRestarts + (actor.preemptionRestarts ?? 0));
}

/** True when the caller holds any handle to the actor. */
export function selectHolds(state: State, caller: string, actor: string): boolean {
  return state.handles[caller]?.[actor] !== undefined;
}
