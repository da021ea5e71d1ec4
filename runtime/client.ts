import { connect } from "node:net";
import { randomUUID } from "node:crypto";
import { Rpc, socketChannel } from "./rpc.js";
import { bugOn } from "./bugs.js";
import { pidAlive } from "./pids.js";
import { constructorProblem, methodProblem } from "./classes.js";
import { RuntimeError, type ActorRef, type ErrorKind, type PendingRequests, type ActorState, type DeathCause, type Lifetime } from "./protocol.js";

/**
 * The client library a driver (or code inside an actor) uses: a small,
 * Ray-like API over one connection to the head.
 *
 *   const ray = await init(socketPath, { namespace: "ns" });
 *   const c = await ray.actorClass("Counter").options({ name: "c", getIfExists: true }).remote(0);
 *   await c.call("incr");
 *
 * Like Ray's core worker it keeps the handles this process holds, and checks
 * options, constructor arguments and method names before anything is sent.
 */

export interface InitOptions {
  readonly namespace?: string;
  readonly defaultLifetime?: string;
  /** The worker node this driver runs on (format version 2); absent: the head. */
  readonly node?: string;
}

export interface ActorOptions {
  readonly name?: string;
  readonly namespace?: string;
  readonly lifetime?: string;
  readonly getIfExists?: boolean;
  readonly maxRestarts?: number;
  /** `NodeAffinitySchedulingStrategy(node, soft)` (format version 2). */
  readonly node?: string;
  readonly soft?: boolean;
  /** The constructor raises or exits (format version 2's initFails: a test hook, not a Ray option). */
  readonly initFails?: "raise" | "exit" | "exit0";
}

type HandleKind = "strong" | "weak";

/** A handle to one actor, bound to it forever: calls never follow its name to another actor. */
export class ActorHandle {
  constructor(private readonly client: Client, readonly id: string, readonly cls: string) {}

  /** Calls a method and waits for its return value (`ray.get(h.method.remote())`). */
  async call(method: string, ...args: unknown[]): Promise<unknown> {
    const problem = methodProblem(this.cls, method, args);
    if (problem !== null) throw new RuntimeError("InvalidArgument", problem);
    return this.client.call(this.id, method, args);
  }
}

/** An actor class; `.options(...)` then `.remote(...)` creates (or gets) an actor. */
export class ActorClass {
  constructor(private readonly client: Client, readonly cls: string, private readonly opts: ActorOptions = {}) {}

  /** Ray checks options at `.options()`, before any lookup. */
  options(opts: ActorOptions): ActorClass {
    validateOptions(opts);
    return new ActorClass(this.client, this.cls, { ...this.opts, ...opts });
  }

  /**
   * `.remote(...args)`. Named: a lookup (the name pre-check), then the head's
   * atomic registration. Get-or-create: lookup, register, and on a lost race
   * lookup again; an existing actor wins over the new arguments and options.
   */
  async remote(...args: unknown[]): Promise<ActorHandle> {
    const o = this.opts;
    const client = this.client;
    const namespace = o.namespace ?? client.namespace;
    const name = o.name ?? null;
    if (name !== null) {
      const existing = await client.lookup(namespace, name, o.getIfExists === true);
      if (existing !== null && o.getIfExists === true) return client.hold(existing, "weak");
      if (existing !== null) throw new RuntimeError("NameTaken", precheckMessage(name, o.namespace));
    }
    const problem = constructorProblem(this.cls, args);
    if (problem !== null) throw new RuntimeError("InvalidArgument", problem);
    const lifetime = o.lifetime ?? client.defaultLifetime;
    try {
      const ref = await client.request<ActorRef>("register", {
        cls: this.cls, args, name, namespace, detached: lifetime === "detached", maxRestarts: o.maxRestarts ?? 0,
        ...(o.node === undefined ? {} : { node: o.node, soft: o.soft === true }),
        ...(o.initFails === undefined ? {} : { initFails: o.initFails }),
      });
      if (name !== null) client.remember(namespace, name, ref);
      return client.hold(ref, "strong");
    } catch (e) {
      if (!(e instanceof RuntimeError) || e.kind !== "NameTaken" || o.getIfExists !== true || bugOn("get-or-create-no-retry")) throw e;
      // Lost the registration race: whoever won is the actor to use, if it is still there.
      const winner = await client.lookup(namespace, name as string, true);
      if (winner !== null) return client.hold(winner, "weak");
      throw e;
    }
  }
}

/** One process's connection to the cluster. */
export class Client {
  private readonly handles = new Map<string, { ref: ActorRef; kind: HandleKind }>();
  /** "namespace/name" → the actor it led to, never invalidated (only read with the seeded bug stale-lookup-cache). */
  private readonly lookupCache = new Map<string, ActorRef>();

  /** Under GCS fault tolerance: the Unix socket of each actor process this one called last (a call reaches it there while the GCS is down). */
  private readonly direct = new Map<string, string>();

  /** `job` is the job this process's code runs in: the driver's own, or an actor's creator's. */
  constructor(readonly conn: HeadConnection, readonly job: string, readonly namespace: string, readonly defaultLifetime: Lifetime) {}

  /** A request to the head (see HeadConnection for what happens while the GCS is down). */
  request<T = unknown>(method: string, params: object = {}): Promise<T> {
    return this.conn.request<T>(method, params);
  }

  /**
   * A method call, through the head, which waits while the actor is being
   * created or restarted. While the GCS is down, an actor process this one
   * called before is called directly, as Ray's core worker calls an actor
   * it has the address of; a first call waits for the GCS.
   */
  async call(actorId: string, method: string, args: readonly unknown[]): Promise<unknown> {
    const path = this.direct.get(actorId);
    const whileDown = path === undefined ? undefined : async (): Promise<{ value: unknown }> => ({ value: await callDirect(path, method, args) });
    const r = await this.conn.request<{ value: unknown; direct?: string }>("call", { actor: actorId, method, args }, undefined, whileDown);
    if (r.direct !== undefined) this.direct.set(actorId, r.direct);
    return r.value;
  }

  actorClass(cls: string): ActorClass {
    return new ActorClass(this, cls);
  }

  /** `ray.get_actor(name, namespace)`: a weak handle to whatever holds the name, even a DEAD actor. */
  async getActor(name: string, namespace?: string): Promise<ActorHandle> {
    if (name === "") throw new RuntimeError("InvalidArgument", "Please supply a non-empty value to get_actor");
    if (namespace === "") throw new RuntimeError("InvalidArgument", '"" is not a valid namespace. Pass None to not specify a namespace.');
    const ns = namespace ?? this.namespace;
    // Seeded bug stale-lookup-cache: a name this process created or looked up before is answered from
    // the cache, without asking the head, so a dead actor (or a reused name) is not noticed.
    const cached = bugOn("stale-lookup-cache") ? this.lookupCache.get(`${ns}/${name}`) : undefined;
    const ref = cached ?? (await this.lookup(ns, name, true));
    if (ref === null) throw new RuntimeError("NotFound", notFoundMessage(name));
    this.remember(ns, name, ref);
    return this.hold(ref, "weak");
  }

  /** Notes which actor a name led to (kept for the seeded bug stale-lookup-cache). */
  remember(namespace: string, name: string, ref: ActorRef): void {
    this.lookupCache.set(`${namespace}/${name}`, ref);
  }

  /** The handle this process holds to an actor, if any. */
  handle(actorId: string): ActorHandle | undefined {
    const held = this.handles.get(actorId);
    return held === undefined ? undefined : new ActorHandle(this, held.ref.id, held.ref.cls);
  }

  /** `ray.kill(handle, no_restart)`: the head destroys the actor (or, with noRestart false, kills its process so it may restart). */
  async kill(handle: ActorHandle, opts: { noRestart?: boolean } = {}): Promise<void> {
    await this.request("kill", { actor: handle.id, noRestart: opts.noRestart ?? true });
  }

  /** `del handle`: lets go of every handle this process holds to the actor. */
  async drop(actorId: string): Promise<void> {
    this.handles.delete(actorId);
    await this.request("drop", { actor: actorId });
  }

  /** `ray.util.list_named_actors(all_namespaces)`. */
  async listNamedActors(allNamespaces = false): Promise<(string | { name: string; namespace: string })[]> {
    const r = await this.request<{ names: (string | { name: string; namespace: string })[] }>("list", allNamespaces ? {} : { namespace: this.namespace });
    return r.names;
  }

  /** The state API: the actor's lifecycle state. */
  async actorState(actorId: string): Promise<ActorState> {
    return (await this.request<{ state: ActorState }>("state", { actor: actorId })).state;
  }

  /** The state API's death cause (format version 2): null while the actor is not DEAD. */
  async deathCause(actorId: string): Promise<DeathCause | null> {
    return (await this.request<{ cause: DeathCause | null }>("deathCause", { actor: actorId })).cause;
  }

  /** The state API's node of an actor (format version 2): null while it is not ALIVE. */
  async placement(actorId: string): Promise<string | null> {
    return (await this.request<{ node: string | null }>("placement", { actor: actorId })).node;
  }

  /** Disconnects from the head: for a driver, its job ends. */
  shutdown(): void {
    this.conn.close();
  }

  /** A lookup at the head; with `handle`, this process keeps a weak handle to what it found. */
  async lookup(namespace: string, name: string, handle: boolean): Promise<ActorRef | null> {
    return (await this.request<{ actor: ActorRef | null }>("lookup", { namespace, name, handle })).actor;
  }

  /** Records a handle this process now holds; a strong handle is never weakened. */
  hold(ref: ActorRef, kind: HandleKind): ActorHandle {
    const held = this.handles.get(ref.id);
    if (held?.kind !== "strong") this.handles.set(ref.id, { ref, kind });
    return new ActorHandle(this, ref.id, ref.cls);
  }
}

/** Whether this process runs in a cluster with GCS fault tolerance (the adapter sets it for the head, which passes it on, and for drivers). */
export const GCS_FT = process.env["ROLLCALL_GCS_FT"] === "1";

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A process's connection to the head. Without GCS fault tolerance the head's
 * death is the cluster's (`gone` runs). With it, the connection outlives the
 * head: it connects again until a restarted head answers, and `rejoin`
 * tells that head who this is (a driver's job, an actor's incarnation).
 * Meanwhile `ray.kill` and `del handle` return at once and are sent with the
 * rejoin (as Ray's core worker queues them until the GCS is back); any other
 * request waits for it.
 */
export class HeadConnection {
  private down: { promise: Promise<void>; resolve: () => void } | null = null;
  private queued: PendingRequests = [];
  private closing = false;
  /** Set by the process once it knows how to rejoin (after its init or hello). */
  rejoin: ((rpc: Rpc, pending: PendingRequests) => Promise<void>) | null = null;

  constructor(private readonly socketPath: string, private current: Rpc, private readonly gone: () => void) {
    this.watch(current);
  }

  get rpc(): Rpc {
    return this.current;
  }

  /** The head is gone and no restarted one has taken this process back yet. */
  get isDown(): boolean {
    return this.down !== null;
  }

  /**
   * A request to the head. While it is down, `whileDown` answers instead if
   * given. A request that meets the head's death (sent as it died: the GCS
   * was stopped with nothing in flight) is handled as one sent while it is down.
   */
  request<T = unknown>(method: string, params: object = {}, closedMessage?: string, whileDown?: () => Promise<T>): Promise<T> {
    if (this.down === null) {
      const rpc = this.current;
      return rpc.request<T>(method, params, closedMessage).catch((e: unknown) => {
        if (!GCS_FT || this.closing || !rpc.isClosed || this.rejoin === null) throw e;
        return this.request<T>(method, params, closedMessage, whileDown);
      });
    }
    if (whileDown !== undefined) return whileDown();
    if (method === "kill" || method === "drop") {
      this.queued.push({ method, params: params as Record<string, unknown> });
      return Promise.resolve({} as T);
    }
    return this.down.promise.then(() => this.request<T>(method, params, closedMessage));
  }

  /** Disconnects on purpose (a driver's exit, exit_actor): `gone` runs once the connection is closed. */
  close(): void {
    this.closing = true;
    if (this.down !== null) this.gone();
    else this.current.close();
  }

  private watch(rpc: Rpc): void {
    rpc.onClose(() => {
      if (rpc !== this.current) return;
      if (this.closing || !GCS_FT || this.rejoin === null) return this.gone();
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.down = { promise, resolve };
      void this.reconnect();
    });
  }

  private async reconnect(): Promise<void> {
    for (;;) {
      if (this.closing) return;
      // The adapter that owns the cluster went away while the GCS was down (SIGKILLed: nobody will start it again).
      if (!ownerAlive()) return this.gone();
      let rpc: Rpc;
      try {
        rpc = await connectHead(this.socketPath);
      } catch {
        await delay(25);
        continue;
      }
      const pending = this.queued;
      this.current = rpc;
      try {
        await this.rejoin!(rpc, pending);
      } catch {
        // The old head's socket, while it was still dying: try again (its pending requests with it).
        if (rpc.isClosed) {
          await delay(25);
          continue;
        }
        // The restarted head does not take this process back (an actor destroyed while it was down).
        return this.gone();
      }
      this.queued = this.queued.slice(pending.length);
      this.watch(rpc);
      const d = this.down;
      this.down = null;
      d?.resolve();
      if (rpc.isClosed) this.gone();
      return;
    }
  }
}

/** Whether the adapter process that owns this cluster still runs (GCS fault tolerance: ROLLCALL_CLUSTER_OWNER). */
function ownerAlive(): boolean {
  const owner = Number(process.env["ROLLCALL_CLUSTER_OWNER"]);
  return !Number.isInteger(owner) || owner <= 0 || pidAlive(owner);
}

/** A call straight to an actor process's own socket (GCS fault tolerance, while the GCS is down). */
async function callDirect(path: string, method: string, args: readonly unknown[]): Promise<unknown> {
  const rpc = await connectActor(path);
  try {
    return (await rpc.request<{ value: unknown }>("invoke", { method, args })).value;
  } finally {
    rpc.close();
  }
}

/** Opens a connection to the head at `socketPath`. */
export function connectHead(socketPath: string): Promise<Rpc> {
  return connectSocket(socketPath, "Internal", (e) => new RuntimeError("Internal", `cannot reach the head at ${socketPath}: ${e.message}`));
}

/** Opens a connection to an actor process's own socket (GCS fault tolerance); a process gone is ActorDied. */
export function connectActor(path: string): Promise<Rpc> {
  return connectSocket(path, "ActorDied", (e) => new RuntimeError("ActorDied", `The actor died unexpectedly before finishing this task (its process is gone: ${e.message}).`));
}

function connectSocket(path: string, closedKind: ErrorKind, failure: (e: Error) => RuntimeError): Promise<Rpc> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once("connect", () => resolve(new Rpc(socketChannel(socket), null, closedKind)));
    socket.once("error", (e) => reject(failure(e)));
  });
}

/** `ray.init`: connects a driver and starts its job, in the namespace given or an anonymous one of its own. */
export async function init(socketPath: string, opts: InitOptions = {}, gone: () => void = () => undefined): Promise<Client> {
  if (opts.namespace === "") throw new RuntimeError("InvalidArgument", '"" is not a valid namespace. Pass None to not specify a namespace.');
  const lifetime = opts.defaultLifetime ?? "non_detached";
  if (lifetime !== "detached" && lifetime !== "non_detached") {
    throw new RuntimeError("InvalidArgument", "Default actor lifetime must be one of `detached`, `non_detached`");
  }
  const rpc = await connectHead(socketPath);
  // Like Ray's JobConfig, the driver makes up a random namespace when it names none.
  const r = await rpc.request<{ job: string; namespace: string }>("init", {
    namespace: opts.namespace ?? randomUUID(), defaultLifetime: lifetime, pid: process.pid, ...(opts.node === undefined ? {} : { node: opts.node }),
  });
  const conn = new HeadConnection(socketPath, rpc, gone);
  conn.rejoin = async (next, pending) => void (await next.request("init", { rejoin: r.job, pid: process.pid, pending }));
  return new Client(conn, r.job, r.namespace, lifetime);
}

function validateOptions(o: ActorOptions): void {
  const bad = (message: string): never => {
    throw new RuntimeError("InvalidArgument", message);
  };
  if (o.getIfExists === true && o.name === undefined) bad("The actor name must be specified to use `get_if_exists`.");
  if (o.lifetime !== undefined && o.lifetime !== "detached" && o.lifetime !== "non_detached") {
    bad("actor `lifetime` argument must be one of 'detached', 'non_detached' and 'None'.");
  }
  if (o.maxRestarts !== undefined && (!Number.isInteger(o.maxRestarts) || o.maxRestarts < -1)) {
    bad("The keyword 'max_restarts' only accepts -1, 0 or a positive integer.");
  }
  if (o.name === "") bad("Actor name cannot be an empty string.");
  if (o.namespace === "") bad('"" is not a valid namespace. Pass None to not specify a namespace.');
}

function notFoundMessage(name: string): string {
  return `Failed to look up actor with name '${name}'. This could because 1. You are trying to look up a named actor you didn't create. 2. The named actor died. 3. You did not use a namespace matching the namespace of the actor.`;
}

function precheckMessage(name: string, namespaceOption: string | undefined): string {
  const ns = namespaceOption ?? "None";
  return `The name ${name} (namespace=${ns}) is already taken. Please use a different name or get the existing actor using ray.get_actor('${name}', namespace='${ns}')`;
}
