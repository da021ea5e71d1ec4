import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Rpc } from "./rpc.js";
import { HEAD, RuntimeError, type ActorRef, type PendingRequests, type ActorSpec, type ActorState, type DeathCause, type DrainReason, type InitFailure, type Lifetime } from "./protocol.js";
import { bugOn } from "./bugs.js";
import { pidAlive } from "./pids.js";
import type { TableStore, Tables } from "./store.js";
import { barrier, deathMessage, type ActorRecord, type Affinity, type Fate, type JobRecord, type NodeRecord, type OwnerRef, type ProcRecord } from "./records.js";

const ACTOR_MAIN = fileURLToPath(new URL("./actor.js", import.meta.url));

type HandleKind = "strong" | "weak";

/** Who is on the other end of a connection to the head. */
export type Caller = { readonly kind: "driver"; readonly job: string } | { readonly kind: "actor"; readonly actor: string; readonly incarnation: number };

/** A registration request, with namespace and lifetime already resolved by the client. */
export interface RegisterRequest {
  readonly cls: string;
  readonly args: readonly unknown[];
  readonly name: string | null;
  readonly namespace: string;
  readonly detached: boolean;
  readonly maxRestarts: number;
  /** Node affinity (format version 2), or null. */
  readonly affinity: Affinity | null;
  /** The constructor fails this way (format version 2), or null. */
  readonly initFails: InitFailure | null;
}

/** Where the GCS can place an actor now: on a node, nowhere yet (it waits for one), or nowhere ever (hard affinity to a dead or draining node). */
type Placement = { readonly node: string } | "wait" | "unschedulable";

/**
 * The head's registry: the GCS's job. It keeps jobs, actors, the name
 * registry per namespace and the strong/weak handles each caller holds, starts
 * and restarts actor processes, and applies Ray's rules when a process exits,
 * an owner dies or an owner lets go of its last strong handle.
 *
 * Every change ends in `changed()`, which runs the rules that follow from it
 * to a fixpoint (owner deaths, scope) and wakes whoever waits for quiescence.
 *
 * Format version 2 adds worker nodes: each one's agent process (node.ts)
 * starts and kills the actor processes the head places there and reports
 * their exits; its death is the node's death, handled as Ray's
 * `GcsActorManager::OnNodeDead` (`nodeDied`). While no worker node was ever
 * added, every actor runs on the head, as in version 1.
 */
export class Registry {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly actors = new Map<string, ActorRecord>();
  /** namespace → name → actor id: a name is taken exactly while it has an entry here. */
  private readonly names = new Map<string, Map<string, string>>();
  /** caller key (job id or actor id) → actor id → handle kind. */
  private readonly handles = new Map<string, Map<string, HandleKind>>();
  private settleWaiters: (() => void)[] = [];
  /** Actors whose process ray.kill(no_restart=False) killed, until the death is processed (for the seeded bug kill-restart-free). */
  private readonly killedByRay = new Set<string>();
  /** Worker nodes in the order they were added (dead ones included): placement takes the first that fits. */
  private readonly nodes = new Map<string, NodeRecord>();
  /**
   * Owners (`ownerKey`) whose death `nodeDied` handled: the actors they owned
   * were destroyed there, and the reconcile does not look at them again (in
   * Ray no worker-death report follows: the raylet that would send it died
   * with the node).
   */
  private readonly nodeDeathOwners = new Set<string>();
  private jobCount = 0;
  /**
   * GCS fault tolerance: rows changed since the last flush to the storage
   * (actor ids, job ids, handle holders' keys; `meta` for the counters).
   * Records are wrapped so that any assignment marks their row.
   */
  private readonly dirty = { actors: new Set<string>(), jobs: new Set<string>(), handles: new Set<string>(), meta: false };
  /** After a reload: actors whose process an earlier head started and has not reconnected yet, and running jobs whose driver has not. */
  private readonly awaitingActors = new Set<string>();
  private readonly awaitingJobs = new Set<string>();
  private pidWatch: NodeJS.Timeout | null = null;

  /** `store`: the GCS's external storage (format version 2's gcsStorage redis), or null (the tables live in this process only). */
  constructor(private readonly socketPath: string, private readonly store: TableStore | null = null) {}

  // ----------------------------------------------------------------- jobs

  /** `ray.init`: a new job in the namespace the driver chose (it makes up anonymous ones). */
  startJob(namespace: string, defaultLifetime: Lifetime, node: string = HEAD, pid: number | null = null): JobRecord {
    this.jobCount += 1;
    this.dirty.meta = true;
    const { promise, resolve } = barrier();
    const job = this.trackJob({ id: `j${this.jobCount}`, namespace, defaultLifetime, node, running: true, pid, ended: promise, markEnded: resolve });
    this.jobs.set(job.id, job);
    return job;
  }

  /**
   * A driver reconnects to a restarted head (GCS fault tolerance): its job
   * goes on, and what it sent while the GCS was down (kills and drops, which
   * return at once) is applied now, in order.
   */
  rejoinJob(jobId: string, pending: PendingRequests): JobRecord {
    const job = this.jobs.get(jobId);
    if (job === undefined || !job.running) throw new RuntimeError("Internal", `job ${jobId} is not running in the restarted GCS`);
    this.awaitingJobs.delete(jobId);
    this.applyPending({ kind: "driver", job: jobId }, pending);
    this.changed();
    return job;
  }

  /** The driver's connection closed: its job is finished, its handles are gone, and what it owned will die. */
  endJob(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (job === undefined || !job.running) return;
    // Seeded bug driver-exit-leaks-owned: the disconnect only wakes whoever waits for it; the job is never
    // marked finished nor its handles released, so the actors it owned live on.
    if (bugOn("driver-exit-leaks-owned")) return job.markEnded();
    job.running = false;
    this.awaitingJobs.delete(jobId);
    this.dropHandles(jobId);
    this.changed();
    job.markEnded();
  }

  /** Resolves once the head has processed the end of the job. */
  jobEnded(jobId: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (job === undefined) throw new RuntimeError("Internal", `no job ${jobId}`);
    return job.ended;
  }

  // ------------------------------------------------------------- requests

  /** Code can run for this caller now: a running driver, or an actor process of the current incarnation that is ALIVE. */
  checkCaller(caller: Caller): void {
    if (caller.kind === "driver") return;
    const a = this.actor(caller.actor);
    if (a.state !== "ALIVE" || a.incarnation !== caller.incarnation) throw new RuntimeError("ActorDied", deathMessage(a));
  }

  /** GCS `RegisterActor`: atomically claims the name and records the actor; the caller gets the strong, original handle. */
  register(caller: Caller, req: RegisterRequest): ActorRef {
    this.checkCaller(caller);
    if (req.name !== null && this.lookupId(req.namespace, req.name) !== undefined) {
      throw new RuntimeError("NameTaken", `Actor with name '${req.name}' already exists in the namespace ${req.namespace}`);
    }
    const id = randomBytes(8).toString("hex");
    const creator = this.ownerRef(caller);
    const actor = this.trackActor({
      id, cls: req.cls, args: req.args, name: req.name, namespace: req.namespace, detached: req.detached,
      // Seeded bug detached-killed-at-job-exit: the creator is recorded as owner even for a detached actor.
      owner: req.detached && !bugOn("detached-killed-at-job-exit") ? null : creator, creator, job: this.callerJob(caller),
      maxRestarts: req.maxRestarts, affinity: req.affinity, initFails: req.initFails, state: "DEPENDENCIES_UNREADY", numRestarts: 0, preemptionRestarts: 0, preempted: false, incarnation: 0, deathCause: null,
      registered: true, proc: null, conn: null, waiters: [], queuedKills: 0, direct: null, reloadedAt: null,
    });
    this.actors.set(id, actor);
    if (req.name !== null) this.namespaceNames(req.namespace).set(req.name, id);
    this.addHandle(caller, id, "strong");
    // The creator resolves the constructor's arguments, then the actor is scheduled: a moment later, not inside the call.
    setImmediate(() => this.schedule(actor));
    return { id, cls: actor.cls };
  }

  /** A name lookup. With `handle`, the caller keeps a weak handle to what it found (`ray.get_actor`); without, it is the creation pre-check. */
  lookup(caller: Caller, namespace: string, name: string, handle: boolean): ActorRef | null {
    this.checkCaller(caller);
    let id = this.lookupId(namespace, name);
    // Seeded bug get-all-namespaces: a miss in the requested namespace falls back to any namespace holding the name.
    if (id === undefined && handle && bugOn("get-all-namespaces")) {
      for (const names of this.names.values()) id ??= names.get(name);
    }
    if (id === undefined) return null;
    if (handle) this.addHandle(caller, id, "weak");
    return { id, cls: this.actor(id).cls };
  }

  /** `del handle`: the caller lets go of every handle it holds to the actor. */
  drop(caller: Caller, actorId: string): void {
    this.checkCaller(caller);
    const held = this.handles.get(callerKey(caller));
    held?.delete(actorId);
    this.dirty.handles.add(callerKey(caller));
    this.changed();
  }

  /** `ray.kill`: destroy (noRestart), or kill the process so the actor restarts if it may, using one restart up. */
  kill(caller: Caller, actorId: string, noRestart: boolean): void {
    this.checkCaller(caller);
    const a = this.actor(actorId);
    if (!a.registered) return;
    // Seeded bug gcs-restart-unkillable: the process a restarted GCS reloaded is never killed (Ray issue
    // #63763: after a GCS restart the reloaded actor's worker address was missing, and KillActor sent nothing).
    if (bugOn("gcs-restart-unkillable") && a.reloadedAt === a.incarnation && a.state === "ALIVE") return;
    if (noRestart) this.destroy(a, "RAY_KILL");
    else if (a.proc !== null && a.proc.fate === null) {
      this.killedByRay.add(a.id);
      this.dirty.meta = true;
      // An actor not created yet (its constructor has not returned) dies of the kill itself, as in Ray's KillActor.
      this.signal(a, a.proc, { kind: "died", cause: a.state === "ALIVE" ? "WORKER_DIED" : "RAY_KILL", restartable: true });
    }
    // The process is already dying of an earlier such kill: this one hits the restarted process, using another restart.
    else if (a.proc?.fate?.kind === "died" && a.proc.fate.restartable) a.queuedKills += 1;
    // Not placed yet (waiting for a node to take it): its scheduling is cancelled and it restarts if it may, using a
    // restart up, or is DEAD (GcsActorManager::KillActor: "hasn't been created yet, cancel scheduling", then RestartActor).
    else if (a.proc === null && (a.state === "PENDING_CREATION" || a.state === "RESTARTING")) {
      this.killedByRay.add(a.id);
      this.dirty.meta = true;
      this.workerDied(a, "RAY_KILL", true);
    }
    this.changed();
  }

  /** `list_named_actors`: names of registered actors that are not DEAD, in one namespace or all. */
  list(caller: Caller, namespace: string | null): (string | { name: string; namespace: string })[] {
    this.checkCaller(caller);
    const out: (string | { name: string; namespace: string })[] = [];
    for (const [ns, names] of this.names) {
      if (namespace !== null && ns !== namespace) continue;
      for (const [name, id] of names) {
        // Seeded bug list-dead: the DEAD check is missing, so a dead actor that keeps its name is listed.
        if (this.actor(id).state === "DEAD" && !bugOn("list-dead")) continue;
        out.push(namespace === null ? { name, namespace: ns } : name);
      }
    }
    return out;
  }

  /** The state API: destroyed actors are DEAD. */
  state(caller: Caller, actorId: string): ActorState {
    this.checkCaller(caller);
    return this.actor(actorId).state;
  }

  /** The state API's death cause (format version 2): a DEAD actor's, else null. */
  deathCause(caller: Caller, actorId: string): DeathCause | null {
    this.checkCaller(caller);
    const a = this.actor(actorId);
    return a.state === "DEAD" ? a.deathCause : null;
  }

  /** The state API's node of an actor (format version 2): where it runs while ALIVE, else null. */
  placement(caller: Caller, actorId: string): string | null {
    this.checkCaller(caller);
    const a = this.actor(actorId);
    return a.state === "ALIVE" ? (a.proc?.node ?? HEAD) : null;
  }

  /** A method call: waits while the actor is being created or restarted, fails if it is DEAD, else runs it in the actor's process. */
  async call(caller: Caller, actorId: string, method: string, args: readonly unknown[]): Promise<{ value: unknown; direct?: string }> {
    this.checkCaller(caller);
    const conn = await this.whenAlive(actorId);
    const direct = this.actor(actorId).direct;
    const r = await conn.request<{ value: unknown }>("invoke", { method, args });
    return { value: r.value, ...(direct === null ? {} : { direct }) };
  }

  /**
   * The actor's constructor raised (its process says so, then exits): a
   * creation task error, which is never restarted, whatever max_restarts says.
   */
  creationFailed(actorId: string, incarnation: number): void {
    const proc = this.actor(actorId).proc;
    if (proc !== null && proc.incarnation === incarnation && proc.fate === null) {
      proc.fate = { kind: "died", cause: "CREATION_TASK_ERROR", restartable: false };
      this.dirty.actors.add(actorId);
    }
  }

  /** exit_actor(): the actor's process is about to exit on purpose; it is never restarted. */
  exiting(caller: Caller): void {
    this.checkCaller(caller);
    if (caller.kind !== "actor") throw new RuntimeError("Internal", "only an actor can call exit_actor()");
    const proc = this.actor(caller.actor).proc;
    // Seeded bug exit-actor-restarts: the intended exit is marked restartable, like a crash.
    if (proc !== null && proc.fate === null) {
      proc.fate = { kind: "died", cause: "INTENDED_USER_EXIT", restartable: bugOn("exit-actor-restarts") };
      this.dirty.actors.add(caller.actor);
    }
  }

  // -------------------------------------------------------------- control

  /** Resolves with the connection of the actor's process once it is ALIVE; rejects with ActorDied once it is DEAD. */
  whenAlive(actorId: string): Promise<Rpc> {
    const a = this.actor(actorId);
    if (a.state === "DEAD") return Promise.reject(deadError(a));
    if (a.state === "ALIVE" && a.conn !== null) return Promise.resolve(a.conn);
    return new Promise((resolve, reject) => a.waiters.push({ resolve, reject }));
  }

  /**
   * Fault injection: SIGKILLs the actor's process, if it is running or being
   * created, and resolves once the head has processed its exit (as a crash: no
   * fate was decided for it). The kill goes through the head's own handle on
   * the child, so it can never hit a recycled pid.
   */
  async crash(actorId: string): Promise<void> {
    const a = this.actor(actorId);
    const proc = a.proc;
    if (proc === null || proc.fate !== null || (a.state !== "ALIVE" && a.state !== "PENDING_CREATION")) return;
    proc.kill();
    await proc.gone;
  }

  /** Resolves once nothing is in flight: no creation, restart, or process that was told to die and has not yet. */
  settled(): Promise<void> {
    if (this.quiescent()) return Promise.resolve();
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  /** SIGKILLs every actor process the head started itself (the head is going away; each agent kills its own when the head's socket closes). */
  killAll(): void {
    for (const a of this.actors.values()) {
      if (a.proc !== null && a.proc.node === HEAD) a.proc.kill();
    }
  }

  // ---------------------------------------------------------------- nodes

  /** A worker node's agent connected: the node is up and schedulable, and actors waiting for a node may go there. */
  nodeConnected(id: string, conn: Rpc): void {
    if (this.nodes.has(id)) throw new RuntimeError("Internal", `node ${id} exists already`);
    this.nodes.set(id, { id, alive: true, drain: null, conn, procs: new Map() });
    this.placeWaiting();
    this.changed();
  }

  /** A worker node's agent saw one of its actor processes exit (`key` as the head gave it at spawn). */
  nodeProcessExited(nodeId: string, key: string, code: number | null): void {
    const n = this.nodes.get(nodeId);
    const entry = n?.procs.get(key);
    if (n === undefined || entry === undefined) return;
    n.procs.delete(key);
    this.processExited(entry.actor, entry.proc, code);
  }

  /**
   * `DrainNode` (format version 2): preemption is always accepted and marks
   * the node's ALIVE actors preempted; idle termination is rejected while the
   * node runs an actor (not for a driver, as in Ray 2.60.0), unless it is already draining; a dead node's drain is accepted and
   * changes nothing. A draining node takes no new actors.
   */
  drain(nodeId: string, reason: DrainReason): boolean {
    const n = this.node(nodeId);
    if (!n.alive) return true;
    // A node already draining takes an idle drain whatever runs there (as Ray 2.60.0 does).
    if (reason === "idle" && n.drain === null) {
      for (const a of this.actors.values()) if (a.state !== "DEAD" && a.proc !== null && a.proc.node === n.id) return false;
    } else {
      // SetPreemptedAndPublish: every actor running on the node.
      for (const a of this.actors.values()) if (a.registered && a.state === "ALIVE" && a.proc?.node === n.id) a.preempted = true;
    }
    n.drain = reason;
    this.placeWaiting();
    this.changed();
    return true;
  }

  /**
   * A worker node died (its agent, and with it every process on it): the
   * GCS's `OnNodeDead`, in Ray's order (docs/semantics.md#node.died):
   * 1. every actor owned by a process on the node (a driver there, or an
   *    actor running there) is destroyed, OWNER_DIED, restarts left or not;
   * 2. the jobs of the drivers on the node end;
   * 3. every actor running on the node dies of NODE_DIED: it restarts on
   *    another node if it may (free after a preemption drain), else it is
   *    DEAD for good. An actor whose process was still starting there is
   *    placed again, without using a restart.
   * Safe to call twice: the adapter reports the kill, and the agent's
   * connection closes.
   */
  nodeDied(nodeId: string): void {
    const n = this.node(nodeId);
    if (!n.alive) return;
    n.alive = false;
    // Who is on the node, read before anything changes.
    const children = new Map<string, ActorRecord[]>();
    for (const a of this.actors.values()) {
      if (!a.registered || a.owner === null || !this.ownerOn(a.owner, n.id)) continue;
      const key = ownerKey(a.owner);
      children.set(key, [...(children.get(key) ?? []), a]);
    }
    // Seeded bug owner-node-one-child: the children are kept in a map keyed by owner, where emplace
    // keeps the first child of each owner only (Ray PR #60669); the others live on.
    const orphans = [...children.values()].flatMap((list) => (bugOn("owner-node-one-child") ? list.slice(0, 1) : list));
    // Seeded bug detached-killed-with-creator: the node's raylet fate-shares the workers leased by a
    // process on it with that process, detached actors included (Ray issue #40864, fixed by PR #53562).
    const fateShared = bugOn("detached-killed-with-creator")
      ? [...this.actors.values()].filter((a) => a.registered && a.detached && a.state === "ALIVE" && a.proc !== null && a.proc.node !== n.id && this.ownerOn(a.creator, n.id))
      : [];
    const jobs = [...this.jobs.values()].filter((j) => j.running && j.node === n.id);
    const procs = [...n.procs.values()];
    n.procs.clear();
    for (const key of children.keys()) this.nodeDeathOwners.add(key);
    this.dirty.meta = true;
    for (const a of orphans) this.destroy(a, "OWNER_DIED");
    for (const job of jobs) {
      job.running = false;
      this.dropHandles(job.id);
      job.markEnded();
    }
    for (const a of fateShared) {
      if (a.state === "ALIVE" && a.proc !== null && a.proc.fate === null) this.signal(a, a.proc, { kind: "died", cause: "WORKER_DIED", restartable: true });
    }
    for (const { actor: a, proc } of procs) {
      proc.markGone();
      if (a.proc !== proc) continue;
      a.proc = null;
      a.conn = null;
      if (!a.registered || a.state === "DEAD") continue;
      if (a.state === "ALIVE") {
        const fate = proc.fate;
        if (fate?.kind === "died") this.workerDied(a, fate.cause, fate.restartable);
        else this.workerDied(a, "NODE_DIED", true, a.preempted);
      } else {
        // Its process was being started there: a new incarnation, placed again below.
        a.incarnation += 1;
      }
    }
    this.placeWaiting();
    this.changed();
  }

  // ------------------------------------------------------------ lifecycle

  /** An actor process said hello: its constructor ran, so it is ALIVE. A process of a stale incarnation is refused. */
  actorConnected(actorId: string, incarnation: number, conn: Rpc, direct: string | null = null): void {
    const a = this.actor(actorId);
    const current = a.proc !== null && a.proc.incarnation === incarnation && a.proc.fate === null;
    if (current && a.proc?.reloaded === true && a.state === "ALIVE" && a.conn === null) {
      // A process an earlier head started reconnects to this one (GCS fault tolerance).
      this.awaitingActors.delete(actorId);
      a.conn = conn;
      a.direct = direct;
      this.flushWaiters(a, conn);
      this.changed();
      return;
    }
    if (!current || (a.state !== "PENDING_CREATION" && a.state !== "RESTARTING")) {
      throw new RuntimeError("ActorDied", `actor ${actorId} incarnation ${incarnation} is not expected`);
    }
    a.state = "ALIVE";
    a.conn = conn;
    a.direct = direct;
    a.preempted = false; // OnActorCreationSuccess clears the preempted mark
    this.flushWaiters(a, conn);
    this.changed();
  }

  /**
   * The connection of an actor's process closed. For a process this head
   * started that means nothing yet (its exit is what counts, and arrives as
   * the child's exit); for one an earlier head started it is the exit.
   */
  actorDisconnected(actorId: string, incarnation: number): void {
    const a = this.actors.get(actorId);
    const proc = a?.proc;
    if (a === undefined || proc == null || !proc.reloaded || proc.incarnation !== incarnation) return;
    this.processExited(a, proc, null);
  }

  /** Code inside a reconnected actor sent kills and drops while the GCS was down: apply them now, in order. */
  rejoinActor(actorId: string, incarnation: number, conn: Rpc, direct: string | null, pending: PendingRequests): void {
    this.actorConnected(actorId, incarnation, conn, direct);
    this.applyPending({ kind: "actor", actor: actorId, incarnation }, pending);
  }

  private applyPending(caller: Caller, pending: PendingRequests): void {
    for (const { method, params } of pending) {
      try {
        if (method === "kill") this.kill(caller, String(params.actor), params.noRestart !== false);
        else if (method === "drop") this.drop(caller, String(params.actor));
      } catch {
        // as the request would have failed had the GCS been up: nobody waits for its answer
      }
    }
  }

  private flushWaiters(a: ActorRecord, conn: Rpc): void {
    const waiters = a.waiters;
    a.waiters = [];
    for (const w of waiters) w.resolve(conn);
  }

  /** The GCS schedules a registered actor: unless its creator died meanwhile, it is placed and its process started. */
  private schedule(a: ActorRecord): void {
    if (a.state !== "DEPENDENCIES_UNREADY") return;
    if (!this.ownerAlive(a.creator)) return this.changed(); // reconcile destroys it (OWNER_DIED)
    a.state = "PENDING_CREATION";
    this.launch(a);
    this.changed();
  }

  /**
   * Where the GCS can place the actor now. While no worker node was ever
   * added, the head. Otherwise a worker node alive and not draining: its
   * affinity node if it is one, else (soft affinity, or none) the first added
   * that is; none such, it waits. Hard affinity to a node that is dead or
   * draining (or unknown) can never be placed.
   */
  private whereToPlace(a: ActorRecord): Placement {
    if (this.nodes.size === 0) return { node: HEAD };
    const usable = (id: string): boolean => {
      const n = this.nodes.get(id);
      return n !== undefined && n.alive && n.drain === null;
    };
    if (a.affinity !== null) {
      if (usable(a.affinity.node)) return { node: a.affinity.node };
      if (!a.affinity.soft) return "unschedulable";
    }
    for (const id of this.nodes.keys()) if (usable(id)) return { node: id };
    return "wait";
  }

  /** An actor being created or restarted, with no process: its process starts where it can be placed, or it waits, or it is unschedulable. */
  private launch(a: ActorRecord): void {
    const where = this.whereToPlace(a);
    if (where === "unschedulable") this.destroy(a, "UNSCHEDULABLE");
    else if (where !== "wait") this.startProcess(a, where.node);
  }

  /** Places the actors waiting for a node (PENDING_CREATION or RESTARTING with no process), after a node event. */
  private placeWaiting(): void {
    for (const a of this.actors.values()) {
      if (a.registered && (a.state === "PENDING_CREATION" || a.state === "RESTARTING") && a.proc === null) this.launch(a);
    }
  }

  /** Starts the actor's process for its current incarnation on `node` (the head itself, or a worker node's agent), with the original constructor arguments. */
  private startProcess(a: ActorRecord, node: string): void {
    const job = this.jobs.get(a.job) as JobRecord;
    // Seeded bug restart-default-args: a restarted incarnation is started without the constructor's arguments.
    const args = a.incarnation > 0 && bugOn("restart-default-args") ? [] : a.args;
    const spec: ActorSpec = { actor: a.id, incarnation: a.incarnation, cls: a.cls, args, node, job: a.job, namespace: job.namespace, defaultLifetime: job.defaultLifetime, ...(a.initFails === null ? {} : { initFails: a.initFails }) };
    const { promise, resolve } = barrier();
    let proc: ProcRecord;
    if (node === HEAD) {
      const child = spawn(process.execPath, [ACTOR_MAIN, this.socketPath, JSON.stringify(spec)], { stdio: ["ignore", "ignore", "inherit"] });
      proc = { kill: () => void child.kill("SIGKILL"), node, incarnation: a.incarnation, fate: null, pid: child.pid ?? null, reloaded: false, gone: promise, markGone: resolve };
      child.on("exit", (code) => this.processExited(a, proc, code));
      child.on("error", (e) => process.stderr.write(`head: cannot start actor ${a.id}: ${e.message}\n`));
    } else {
      // The node's agent spawns it and reports its exit (nodeProcessExited); a dead agent answers nothing, and nodeDied handles it.
      const n = this.node(node);
      const key = `${a.id}/${a.incarnation}`;
      const ignore = (): void => undefined;
      proc = { kill: () => void n.conn.request("kill", { key }).catch(ignore), node, incarnation: a.incarnation, fate: null, pid: null, reloaded: false, gone: promise, markGone: resolve };
      n.procs.set(key, { actor: a, proc });
      n.conn.request("spawn", { key, spec }).catch(ignore);
    }
    a.proc = proc;
    if (a.queuedKills > 0) {
      a.queuedKills -= 1;
      this.signal(a, proc, { kind: "died", cause: "WORKER_DIED", restartable: true });
    }
  }

  /** Kills an actor's process, recording what its exit means. */
  private signal(a: ActorRecord, proc: ProcRecord, fate: Fate): void {
    proc.fate = fate;
    this.dirty.actors.add(a.id);
    proc.kill();
  }

  /** The head saw an actor process exit: apply what was decided for it, or treat it as a crash. */
  private processExited(a: ActorRecord, proc: ProcRecord, code: number | null): void {
    if (a.proc === proc) {
      a.proc = null;
      a.conn = null;
      const fate = proc.fate ?? { kind: "died", cause: code === 0 ? "INTENDED_USER_EXIT" : "WORKER_DIED", restartable: code !== 0 };
      if (fate.kind === "died" && a.registered && a.state !== "DEAD") this.workerDied(a, fate.cause, fate.restartable);
    }
    proc.markGone();
    this.changed();
  }

  /**
   * The actor's process died (a crash, exit_actor, or ray.kill no_restart=False).
   * It restarts if it may; otherwise it is DEAD for good: a detached actor is
   * destroyed, an owned one keeps its name while its owner holds it.
   */
  private workerDied(a: ActorRecord, cause: DeathCause, restartable: boolean, preempted = false): void {
    // An actor preempted with its drained node restarts for free, even with no restarts left (max_restarts > 0).
    const mayRestart = this.restartsLeft(a) > 0 || (preempted && a.maxRestarts !== 0);
    const restart = restartable && mayRestart && (a.owner === null || this.ownerAlive(a.owner));
    this.processGone(a);
    if (restart) {
      a.state = "RESTARTING";
      if (preempted) a.preemptionRestarts += 1;
      // Seeded bug kill-restart-free: only a crash counts against max_restarts, not ray.kill(no_restart=False).
      if (!(cause === "WORKER_DIED" && this.killedByRay.delete(a.id) && bugOn("kill-restart-free"))) a.numRestarts += 1;
      this.launch(a);
      return;
    }
    a.state = "DEAD";
    a.deathCause = cause;
    this.failWaiters(a);
    // Seeded bug name-freed-on-death: every actor dead for good leaves the registry, not only detached ones.
    if (a.detached || bugOn("name-freed-on-death")) this.unregister(a);
  }

  /**
   * `DestroyActor`: the actor is DEAD at once, its process is killed, and it
   * leaves the registry, freeing its name.
   */
  private destroy(a: ActorRecord, cause: DeathCause): void {
    if (!a.registered) return;
    if (a.state !== "DEAD") {
      if (a.state === "ALIVE" || a.state === "PENDING_CREATION") this.processGone(a);
      a.deathCause = cause;
      a.state = "DEAD";
    }
    if (a.proc !== null && a.proc.fate?.kind !== "destroyed") this.signal(a, a.proc, { kind: "destroyed" });
    this.dropHandles(a.id);
    this.failWaiters(a);
    // Seeded bug name-never-freed: ray.kill marks the actor unregistered but forgets to free its name.
    if (cause === "RAY_KILL" && bugOn("name-never-freed")) a.registered = false;
    else this.unregister(a);
  }

  /** The actor's current process is gone: a new incarnation begins, and the handles the old one held are gone. */
  private processGone(a: ActorRecord): void {
    a.incarnation += 1;
    a.conn = null;
    a.direct = null;
    this.dropHandles(a.id);
  }

  private unregister(a: ActorRecord): void {
    a.registered = false;
    if (a.name === null) return;
    const names = this.names.get(a.namespace);
    if (names?.get(a.name) === a.id) names.delete(a.name);
    if (names?.size === 0) this.names.delete(a.namespace);
  }

  private failWaiters(a: ActorRecord): void {
    const waiters = a.waiters;
    a.waiters = [];
    for (const w of waiters) w.reject(deadError(a));
  }

  /**
   * Runs the rules that follow from a change until nothing more follows, then
   * wakes the settle waiters if the cluster is quiescent:
   * - an owned actor whose owner died is destroyed (OWNER_DIED), and so is an
   *   actor not yet scheduled whose creator died;
   * - an owned actor whose owner holds no strong handle to it any more goes
   *   out of scope. A restartable one is kept for lineage reconstruction; with
   *   no lineage references in this runtime, that is released at once
   *   (REF_DELETED). Either way it is destroyed and its name freed.
   */
  private changed(): void {
    for (let again = true; again; ) {
      again = false;
      for (const a of this.actors.values()) {
        if (!a.registered) continue;
        if (a.owner !== null && this.nodeDeathOwners.has(ownerKey(a.owner))) continue; // nodeDied handled its owner's death
        if (this.ownerGone(a)) this.destroy(a, "OWNER_DIED");
        else if (a.owner !== null && this.handles.get(a.owner.caller)?.get(a.id) !== "strong") {
          const restartable = a.state !== "DEAD" && this.restartsLeft(a) > 0;
          // Seeded bug lineage-keeps-dropped: a restartable actor out of scope is kept "for lineage
          // reconstruction" forever, instead of being released at once (nothing here holds lineage).
          if (restartable && bugOn("lineage-keeps-dropped")) continue;
          this.destroy(a, restartable ? "REF_DELETED" : "OUT_OF_SCOPE");
        } else continue;
        again = true;
      }
    }
    if (this.settleWaiters.length > 0 && this.quiescent()) {
      const waiters = this.settleWaiters;
      this.settleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Nothing in flight. An actor waiting for a node (being created or restarted, with no process) waits for an addNode, not for time. */
  private quiescent(): boolean {
    if (this.awaitingActors.size > 0 || this.awaitingJobs.size > 0) return false;
    for (const a of this.actors.values()) {
      if (a.state === "DEPENDENCIES_UNREADY") return false;
      if ((a.state === "PENDING_CREATION" || a.state === "RESTARTING") && a.proc !== null) return false;
      if (a.proc !== null && (a.proc.fate !== null || a.state === "DEAD")) return false;
    }
    return true;
  }

  // -------------------------------------------------------------- storage

  /**
   * GCS fault tolerance: writes every row changed since the last flush to
   * the storage, and resolves once it is there. The head calls it before it
   * answers any request. Without storage it resolves at once.
   */
  persisted(): Promise<void> {
    const store = this.store;
    if (store === null) return Promise.resolve();
    for (const id of this.dirty.actors) {
      const a = this.actors.get(id);
      if (a !== undefined) store.put("actors", id, actorRow(a));
    }
    for (const id of this.dirty.jobs) {
      const j = this.jobs.get(id);
      if (j !== undefined) store.put("jobs", id, { id: j.id, namespace: j.namespace, defaultLifetime: j.defaultLifetime, node: j.node, running: j.running, pid: j.pid });
    }
    for (const key of this.dirty.handles) {
      const held = this.handles.get(key);
      if (held === undefined || held.size === 0) store.remove("handles", key);
      else store.put("handles", key, Object.fromEntries(held));
    }
    if (this.dirty.meta) store.put("meta", "counters", { jobCount: this.jobCount, killedByRay: [...this.killedByRay], nodeDeathOwners: [...this.nodeDeathOwners] });
    this.dirty.actors.clear();
    this.dirty.jobs.clear();
    this.dirty.handles.clear();
    this.dirty.meta = false;
    return store.flush();
  }

  /**
   * A restarted head's start (`GcsActorManager::Initialize`): every table
   * comes back from the storage. An actor DEAD for good is not loaded (its
   * name is free; the state API still knows it: OnInitializeActorShouldLoad).
   * The processes an earlier head started are not this head's children: each
   * counts as running until it reconnects, or its pid goes away (then it
   * died while the GCS was down, and that death is processed now). The same
   * for running jobs and their drivers. What follows from the deaths
   * (owners gone, restarts) runs as after any change.
   */
  load(t: Tables): void {
    const meta = t.meta.get("counters") as { jobCount: number; killedByRay: string[]; nodeDeathOwners: string[] } | undefined;
    this.jobCount = meta?.jobCount ?? 0;
    for (const id of meta?.killedByRay ?? []) this.killedByRay.add(id);
    for (const key of meta?.nodeDeathOwners ?? []) this.nodeDeathOwners.add(key);
    for (const row of t.jobs.values()) {
      const r = row as Pick<JobRecord, "id" | "namespace" | "defaultLifetime" | "node" | "running" | "pid">;
      const { promise, resolve } = barrier();
      const job = this.trackJob({ ...r, ended: promise, markEnded: resolve });
      if (!job.running) resolve();
      else if (job.pid !== null) this.awaitingJobs.add(job.id);
      this.jobs.set(job.id, job);
    }
    for (const r of t.actors.values() as IterableIterator<ActorRow>) {
      const { proc: p, ...rest } = r;
      // Seeded bug gcs-reload-forgets-children: an owned actor is loaded without its owner (Ray issue
      // #45596, fixed by PR #45791, saw it for the children of detached actors): it no longer dies with
      // its owner nor goes out of scope, and leaks.
      const owner = bugOn("gcs-reload-forgets-children") ? null : rest.owner;
      const a = this.trackActor({ ...rest, owner, proc: null, conn: null, waiters: [], direct: null, reloadedAt: rest.incarnation });
      if (p !== null) a.proc = reloadedProc(p);
      this.actors.set(a.id, a);
      if (a.registered && a.state === "DEAD") {
        this.unregister(a);
        continue;
      }
      if (a.registered && a.name !== null) this.namespaceNames(a.namespace).set(a.name, a.id);
      if (a.proc !== null) this.awaitingActors.add(a.id);
    }
    for (const [key, held] of t.handles) this.handles.set(key, new Map(Object.entries(held as Record<string, HandleKind>)));
    this.watchPids();
    this.changed();
  }

  /** Until every process an earlier head started has reconnected or is gone: polls their pids. */
  private watchPids(): void {
    if (this.pidWatch !== null) return;
    const tick = (): void => {
      for (const id of this.awaitingActors) {
        const a = this.actor(id);
        const p = a.proc;
        if (p === null || !p.reloaded || a.conn !== null) this.awaitingActors.delete(id);
        else if (p.pid === null || !pidAlive(p.pid)) {
          this.awaitingActors.delete(id);
          this.processExited(a, p, null);
        }
      }
      for (const id of this.awaitingJobs) {
        const job = this.jobs.get(id);
        if (job === undefined || !job.running) this.awaitingJobs.delete(id);
        else if (job.pid === null || !pidAlive(job.pid)) this.endJob(id);
      }
      if (this.awaitingActors.size === 0 && this.awaitingJobs.size === 0) {
        clearInterval(this.pidWatch ?? undefined);
        this.pidWatch = null;
        this.changed();
      }
    };
    this.pidWatch = setInterval(tick, 25);
  }

  /** Marks a record's row changed on every assignment (only with storage). */
  private trackActor(a: ActorRecord): ActorRecord {
    return this.track(a, this.dirty.actors);
  }

  private trackJob(j: JobRecord): JobRecord {
    return this.track(j, this.dirty.jobs);
  }

  private track<R extends { readonly id: string }>(record: R, dirty: Set<string>): R {
    if (this.store === null) return record;
    dirty.add(record.id);
    return new Proxy(record, { set: (target, key, value) => {
      (target as unknown as Record<string | symbol, unknown>)[key] = value;
      dirty.add(target.id);
      return true;
    } });
  }

  /** Forgets every handle a caller (a job, or an actor's process) holds. */
  private dropHandles(key: string): void {
    this.handles.delete(key);
    this.dirty.handles.add(key);
  }

  // -------------------------------------------------------------- helpers

  private ownerGone(a: ActorRecord): boolean {
    if (a.owner !== null) return !this.ownerAlive(a.owner);
    return a.state === "DEPENDENCIES_UNREADY" && !this.ownerAlive(a.creator);
  }

  private ownerAlive(o: OwnerRef): boolean {
    const job = this.jobs.get(o.caller);
    if (job !== undefined) return job.running;
    const a = this.actors.get(o.caller);
    return a !== undefined && a.registered && a.state !== "DEAD" && a.incarnation === o.incarnation;
  }

  /** Restarts caused by a preemption do not count toward max_restarts. */
  private restartsLeft(a: ActorRecord): number {
    return a.maxRestarts === -1 ? Infinity : Math.max(0, a.maxRestarts - a.numRestarts + a.preemptionRestarts);
  }

  /** The owner is a process on the node: a driver running there, or the incarnation of an actor ALIVE there. */
  private ownerOn(o: OwnerRef, nodeId: string): boolean {
    const job = this.jobs.get(o.caller);
    if (job !== undefined) return job.running && job.node === nodeId;
    const a = this.actors.get(o.caller);
    return a !== undefined && a.registered && a.state === "ALIVE" && a.incarnation === o.incarnation && a.proc?.node === nodeId;
  }

  private node(id: string): NodeRecord {
    const n = this.nodes.get(id);
    if (n === undefined) throw new RuntimeError("Internal", `no node ${id}`);
    return n;
  }

  private ownerRef(caller: Caller): OwnerRef {
    return caller.kind === "driver" ? { caller: caller.job, incarnation: 0 } : { caller: caller.actor, incarnation: caller.incarnation };
  }

  private callerJob(caller: Caller): string {
    return caller.kind === "driver" ? caller.job : this.actor(caller.actor).job;
  }

  private addHandle(caller: Caller, actorId: string, kind: HandleKind): void {
    const key = callerKey(caller);
    this.dirty.handles.add(key);
    let held = this.handles.get(key);
    if (held === undefined) this.handles.set(key, (held = new Map()));
    if (held.get(actorId) !== "strong") held.set(actorId, kind);
  }

  private lookupId(namespace: string, name: string): string | undefined {
    return this.names.get(namespace)?.get(name);
  }

  private namespaceNames(namespace: string): Map<string, string> {
    let names = this.names.get(namespace);
    if (names === undefined) this.names.set(namespace, (names = new Map()));
    return names;
  }

  private actor(id: string): ActorRecord {
    const a = this.actors.get(id);
    if (a === undefined) throw new RuntimeError("Internal", `no actor ${id}`);
    return a;
  }
}

/** An actor's row in the storage: its record without what lives only in this process (connections, waiters). */
type ActorRow = Omit<ActorRecord, "proc" | "conn" | "waiters" | "direct" | "reloadedAt"> & { readonly proc: { node: string; incarnation: number; fate: Fate | null; pid: number | null } | null };

function actorRow(a: ActorRecord): ActorRow {
  const { proc, conn, waiters, direct, reloadedAt, ...rest } = a;
  void conn, waiters, direct, reloadedAt;
  return { ...rest, proc: proc === null ? null : { node: proc.node, incarnation: proc.incarnation, fate: proc.fate, pid: proc.pid } };
}

/** A process an earlier head started: killed by pid, its exit seen by this head as described at `ProcRecord.reloaded`. */
function reloadedProc(p: NonNullable<ActorRow["proc"]>): ProcRecord {
  const { promise, resolve } = barrier();
  const kill = (): void => {
    try {
      if (p.pid !== null && pidAlive(p.pid)) process.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  return { kill, node: p.node, incarnation: p.incarnation, fate: p.fate, pid: p.pid, reloaded: true, gone: promise, markGone: resolve };
}

function callerKey(caller: Caller): string {
  return caller.kind === "driver" ? caller.job : caller.actor;
}

/** An owner's identity: a job, or one incarnation of an actor. */
function ownerKey(o: OwnerRef): string {
  return `${o.caller}/${o.incarnation}`;
}

/** The error of a call to a DEAD actor: ActorUnschedulableError for one that could not be placed, else ActorDiedError. */
function deadError(a: ActorRecord): RuntimeError {
  return new RuntimeError(a.deathCause === "UNSCHEDULABLE" ? "ActorUnschedulable" : "ActorDied", deathMessage(a));
}
