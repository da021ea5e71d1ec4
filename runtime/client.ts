import { connect } from "node:net";
import { randomUUID } from "node:crypto";
import { Rpc, socketChannel } from "./rpc.js";
import { bugOn } from "./bugs.js";
import { constructorProblem, methodProblem } from "./classes.js";
import { RuntimeError, type ActorRef, type ActorState, type DeathCause, type Lifetime } from "./protocol.js";

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
    const r = await this.client.rpc.request<{ value: unknown }>("call", { actor: this.id, method, args });
    return r.value;
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
      const ref = await client.rpc.request<ActorRef>("register", {
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

  /** `job` is the job this process's code runs in: the driver's own, or an actor's creator's. */
  constructor(readonly rpc: Rpc, readonly job: string, readonly namespace: string, readonly defaultLifetime: Lifetime) {}

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
    await this.rpc.request("kill", { actor: handle.id, noRestart: opts.noRestart ?? true });
  }

  /** `del handle`: lets go of every handle this process holds to the actor. */
  async drop(actorId: string): Promise<void> {
    this.handles.delete(actorId);
    await this.rpc.request("drop", { actor: actorId });
  }

  /** `ray.util.list_named_actors(all_namespaces)`. */
  async listNamedActors(allNamespaces = false): Promise<(string | { name: string; namespace: string })[]> {
    const r = await this.rpc.request<{ names: (string | { name: string; namespace: string })[] }>("list", allNamespaces ? {} : { namespace: this.namespace });
    return r.names;
  }

  /** The state API: the actor's lifecycle state. */
  async actorState(actorId: string): Promise<ActorState> {
    return (await this.rpc.request<{ state: ActorState }>("state", { actor: actorId })).state;
  }

  /** The state API's death cause (format version 2): null while the actor is not DEAD. */
  async deathCause(actorId: string): Promise<DeathCause | null> {
    return (await this.rpc.request<{ cause: DeathCause | null }>("deathCause", { actor: actorId })).cause;
  }

  /** The state API's node of an actor (format version 2): null while it is not ALIVE. */
  async placement(actorId: string): Promise<string | null> {
    return (await this.rpc.request<{ node: string | null }>("placement", { actor: actorId })).node;
  }

  /** Disconnects from the head: for a driver, its job ends. */
  shutdown(): void {
    this.rpc.close();
  }

  /** A lookup at the head; with `handle`, this process keeps a weak handle to what it found. */
  async lookup(namespace: string, name: string, handle: boolean): Promise<ActorRef | null> {
    return (await this.rpc.request<{ actor: ActorRef | null }>("lookup", { namespace, name, handle })).actor;
  }

  /** Records a handle this process now holds; a strong handle is never weakened. */
  hold(ref: ActorRef, kind: HandleKind): ActorHandle {
    const held = this.handles.get(ref.id);
    if (held?.kind !== "strong") this.handles.set(ref.id, { ref, kind });
    return new ActorHandle(this, ref.id, ref.cls);
  }
}

/** Opens a connection to the head at `socketPath`. */
export function connectHead(socketPath: string): Promise<Rpc> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    socket.once("connect", () => resolve(new Rpc(socketChannel(socket))));
    socket.once("error", (e) => reject(new RuntimeError("Internal", `cannot reach the head at ${socketPath}: ${e.message}`)));
  });
}

/** `ray.init`: connects a driver and starts its job, in the namespace given or an anonymous one of its own. */
export async function init(socketPath: string, opts: InitOptions = {}): Promise<Client> {
  if (opts.namespace === "") throw new RuntimeError("InvalidArgument", '"" is not a valid namespace. Pass None to not specify a namespace.');
  const lifetime = opts.defaultLifetime ?? "non_detached";
  if (lifetime !== "detached" && lifetime !== "non_detached") {
    throw new RuntimeError("InvalidArgument", "Default actor lifetime must be one of `detached`, `non_detached`");
  }
  const rpc = await connectHead(socketPath);
  // Like Ray's JobConfig, the driver makes up a random namespace when it names none.
  const r = await rpc.request<{ job: string; namespace: string }>("init", {
    namespace: opts.namespace ?? randomUUID(), defaultLifetime: lifetime, ...(opts.node === undefined ? {} : { node: opts.node }),
  });
  return new Client(rpc, r.job, r.namespace, lifetime);
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
