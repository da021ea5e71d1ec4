import { createInterface } from "node:readline";
import { ALL_METHODS, HEAD, commandEnabled, firstInternalEvent, initialState, isProfileName, selectJob, type Command, type CrashFault, type Fault, type ProfileName, type Result } from "../model/index.js";
import { ROLLCALL_VERSION } from "../sim/log.js";
import { compact } from "../sim/compact.js";
import { Store } from "../sim/store.js";
import { FEATURES } from "../sim/scenario/features.js";
import { PROTOCOL_VERSION, type CallerRef, type Reply, type Request, type StepRequest } from "./protocol.js";
import { BAD_REQUEST, requestProblem } from "./schema.js";
import { TargetError, TargetRefusedError, type Target } from "./target.js";

/**
 * The model behind the adapter protocol: `rollcall serve-model` answers
 * requests on stdio as an implementation would. It is the protocol's
 * reference implementation, and what the process adapter's tests run.
 * Steps are run one at a time in the order they arrive (one interleaving of a
 * parallel block); `settle` runs the cluster's internal events.
 *
 * It speaks the protocol strictly: every request is checked against the
 * protocol's schema (adapters/schema.ts) and against what this cluster knows
 * (drivers started and not exited, handle ids it returned and the caller
 * holds, a reset first); a request that fails gets a BadRequest error naming
 * the field, and the server goes on serving.
 */
export class ModelServer {
  /**
   * `forced`: behave as this profile whatever `reset` asks (a deliberately wrong implementation, for testing the harness).
   * `implements`: the profiles hello lists and reset accepts (default every profile), as a Ray release lists its own.
   */
  constructor(private readonly forced?: ProfileName, private readonly implemented: readonly ProfileName[] = ["ray", "seed", "ray-2.49"]) {}

  private store: Store | null = null;
  /** Driver label → job id, for drivers that started. */
  private drivers = new Map<string, string>();
  /** Drivers that have exited. */
  private exited = new Set<string>();
  /** Every handle id this cluster returned. */
  private actors = new Set<string>();
  /** Node ids addNode returned since the last reset. */
  private nodes = new Set<string>();
  /** What each caller holds (driver label or actor id → handle ids), as the scenario format's label rules say. */
  private held = new Map<string, Set<string>>();

  /** Answers one request, whatever it is: a malformed one gets a BadRequest error. */
  handle(value: unknown): Reply {
    const problem = requestProblem(value);
    if (problem !== null) return err(problem.id, BAD_REQUEST, problem.message);
    const req = value as Request;
    switch (req.type) {
      case "hello": return ok(req.id, { name: "rollcall-model", version: ROLLCALL_VERSION, profiles: [...this.implemented], formats: [1, 2], features: [...FEATURES] });
      case "reset":
        if (!isProfileName(req.profile) || !this.implemented.includes(req.profile)) return err(req.id, "Internal", `unknown profile ${req.profile} (this server implements ${this.implemented.join(", ")})`);
        this.store = new Store(this.forced ?? req.profile, initialState(this.forced ?? req.profile, undefined, req.gcsStorage === "redis" ? { gcsStorage: "redis" } : undefined));
        this.drivers.clear();
        this.exited.clear();
        this.actors.clear();
        this.held.clear();
        this.nodes.clear();
        return ok(req.id, {});
      case "settle": {
        const store = this.store;
        if (store === null) return err(req.id, BAD_REQUEST, "settle before any reset: send reset first");
        for (let e = firstInternalEvent(store.state); e !== null; e = firstInternalEvent(store.state)) store.dispatch(e);
        return ok(req.id, {});
      }
      case "shutdown": return ok(req.id, {});
      case "step": return this.step(req);
    }
  }

  private step(req: StepRequest & { id: number }): Reply {
    const store = this.store;
    if (store === null) return err(req.id, BAD_REQUEST, `step ${req.do} before any reset: send reset first`);
    const problem = this.labelProblem(req);
    if (problem !== null) return err(req.id, BAD_REQUEST, problem);
    const event = this.toEvent(req);
    if (event.type === "actor.crashed" || event.type === "node.died") {
      store.dispatch(event);
      return ok(req.id, {});
    }
    const caller = event.type === "init" ? null : event.caller === "" ? "" : event.caller;
    // A step waits while it cannot start (its actor is being created or restarted): let the cluster work.
    for (let e = firstInternalEvent(store.state); !commandEnabled(store.state, event) && e !== null; e = firstInternalEvent(store.state)) store.dispatch(e);
    let seen = [...store.dispatch(event)];
    while (caller !== null && store.state.inflight[caller] !== undefined) seen = [...seen, ...store.dispatch({ type: "continue", caller })];
    const answer = caller === null ? seen[0] : seen.find((o) => o.caller === caller);
    if (answer === undefined) return err(req.id, "Internal", "the model produced no answer");
    this.record(req, answer.result);
    return fromResult(req.id, answer.result);
  }

  /** Why a step names what this cluster does not have, naming the field, or null. */
  private labelProblem(req: StepRequest): string | null {
    const c = req.caller;
    if (req.do === "init") {
      const label = (c as { driver: string }).driver;
      if (this.drivers.has(label)) return `caller.driver: driver ${JSON.stringify(label)} has already started (init starts a new driver)`;
    } else if (c !== undefined) {
      if ("driver" in c) {
        if (!this.drivers.has(c.driver)) return `caller.driver: no driver ${JSON.stringify(c.driver)} in this cluster (a driver starts with its own init)`;
        if (this.exited.has(c.driver)) return `caller.driver: driver ${JSON.stringify(c.driver)} has exited`;
      } else if (!this.actors.has(c.actor)) {
        return `caller.actor: no actor with handle id ${JSON.stringify(c.actor)} in this cluster (ids are those its create and get steps returned since the last reset)`;
      }
    }
    const ns = req.namespace;
    if (ns !== undefined && typeof ns === "object" && !this.drivers.has(ns.of)) return `namespace.of: no driver ${JSON.stringify(ns.of)} has started`;
    if (req.actor !== undefined) {
      if (!this.actors.has(req.actor)) return `actor: no actor with handle id ${JSON.stringify(req.actor)} in this cluster (ids are those its create and get steps returned since the last reset)`;
      if (req.do !== "crash" && !this.heldBy(c).has(req.actor)) return `actor: the caller holds no handle to ${JSON.stringify(req.actor)} (it gets one from its own create or get, and loses it by drop)`;
    }
    if (req.node !== undefined && req.node !== HEAD && !this.nodes.has(req.node)) return `node: no node ${JSON.stringify(req.node)} in this cluster (nodes are "head" and the ids addNode returned since the last reset)`;
    if ((req.do === "killNode" || req.do === "drainNode") && req.node === HEAD) return `node: the head node cannot be ${req.do === "killNode" ? "killed" : "drained"}`;
    if (req.method !== undefined && !ALL_METHODS.includes(req.method)) return `method: unknown method ${JSON.stringify(req.method)} (Counter: incr, value; Greeter: say_hello)`;
    return null;
  }

  private heldBy(c: CallerRef | undefined): Set<string> {
    const key = c === undefined ? "" : "driver" in c ? `d:${c.driver}` : `a:${c.actor}`;
    let set = this.held.get(key);
    if (set === undefined) {
      set = new Set();
      this.held.set(key, set);
    }
    return set;
  }

  /** Keeps what a step's result tells about drivers and handles. */
  private record(req: StepRequest, result: Result): void {
    if (req.do === "init" && result.kind === "driver") this.drivers.set((req.caller as { driver: string }).driver, result.job);
    if (req.do === "addNode" && result.kind === "node" && result.node !== null) this.nodes.add(result.node);
    if (result.kind === "handle") {
      this.actors.add(result.actor);
      this.heldBy(req.caller).add(result.actor);
    }
    if (result.kind === "ok" && req.do === "drop" && req.actor !== undefined) this.heldBy(req.caller).delete(req.actor);
    if (result.kind === "ok" && req.do === "exit" && req.caller !== undefined && "driver" in req.caller) this.exited.add(req.caller.driver);
  }

  private toEvent(req: StepRequest): Command | Fault {
    const c = req.caller;
    const caller = c === undefined ? "" : "driver" in c ? (this.drivers.get(c.driver) as string) : c.actor;
    const ns = req.namespace;
    const namespace = ns === undefined || typeof ns === "string" ? ns : this.namespaceOf(ns.of);
    const actor = req.actor ?? "";
    switch (req.do) {
      case "init": return compact({ type: "init" as const, namespace, defaultLifetime: req.defaultLifetime, node: req.node === HEAD ? undefined : req.node });
      case "create": return compact({ type: "create" as const, caller, cls: req.class ?? "", args: req.args, name: req.name, namespace, lifetime: req.lifetime, getIfExists: req.getIfExists, maxRestarts: req.maxRestarts, node: req.node, soft: req.soft, initFails: req.initFails });
      case "addNode": return { type: "addNode", caller: "" };
      case "killNode": return { type: "node.died", node: req.node ?? "" };
      case "drainNode": return { type: "drainNode", caller: "", node: req.node ?? "", reason: req.reason ?? "preemption" };
      case "deathCause": return { type: "cause", caller, actor };
      case "placement": return { type: "placement", caller, actor };
      case "get": return compact({ type: "get" as const, caller, name: req.name ?? "", namespace });
      case "call": return compact({ type: "call" as const, caller, actor, method: req.method ?? "", args: req.args });
      case "kill": return compact({ type: "kill" as const, caller, actor, noRestart: req.noRestart });
      case "drop": return { type: "drop", caller, actor };
      case "exit": return { type: "exit", caller };
      case "list": return compact({ type: "list" as const, caller, allNamespaces: req.allNamespaces });
      case "state": return { type: "state", caller, actor };
      case "crash": return { type: "actor.crashed", actor };
      case "stopGcs": case "startGcs": case "restartGcs": return { type: req.do, caller: "" };
      default: throw new Error(`operation ${String(req.do)} is not served by the model over the protocol`);
    }
  }

  private namespaceOf(label: string): string | undefined {
    const job = this.drivers.get(label);
    if (job === undefined || this.store === null) return undefined;
    return selectJob(this.store.state, job).namespace;
  }
}

function ok(id: number, result: object): Reply {
  return { id, ok: true, result };
}

function err(id: number | null, kind: string, message: string): Reply {
  return { id, ok: false, error: { kind, message } };
}

function fromResult(id: number, r: Result): Reply {
  switch (r.kind) {
    case "error": return err(id, r.error, r.message);
    case "driver": return ok(id, { namespace: r.namespace });
    case "handle": return ok(id, { handle: r.actor });
    case "value": return ok(id, { value: r.value });
    case "names": return ok(id, { names: r.names });
    case "state": return ok(id, { state: r.state });
    case "node": return ok(id, { node: r.node });
    case "drain": return ok(id, { accepted: r.accepted });
    case "cause": return ok(id, { cause: r.cause });
    case "ok": return ok(id, {});
  }
}

/** The reply to one line of input: never throws, whatever the line holds. */
export function answerLine(server: ModelServer, line: string): Reply {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return err(null, BAD_REQUEST, `not JSON (${(e as Error).message}): ${line.length > 100 ? `${line.slice(0, 100)}...` : line}`);
  }
  try {
    return server.handle(value);
  } catch (e) {
    const id = value !== null && typeof value === "object" && Number.isInteger((value as { id?: unknown }).id) ? (value as { id: number }).id : null;
    return err(id, "Internal", e instanceof Error ? e.message : String(e));
  }
}

/** Serves the protocol on stdin/stdout until shutdown or end of input. */
export function serveModel(forced?: ProfileName, implements_?: readonly ProfileName[]): Promise<void> {
  const server = new ModelServer(forced, implements_);
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    let closed = false;
    rl.on("line", (line) => {
      // Lines already read when shutdown came are not answered: the server has stopped.
      if (closed || line.trim() === "") return;
      const reply = answerLine(server, line);
      let text: string;
      try {
        text = JSON.stringify(reply);
      } catch (e) {
        text = JSON.stringify(err(reply.id, "Internal", `the reply cannot be written as JSON: ${(e as Error).message}`));
      }
      process.stdout.write(text + "\n");
      if (reply.ok && isShutdown(line)) {
        closed = true;
        rl.close();
      }
    });
    rl.on("close", resolve);
  });
}

/** True for a well-formed shutdown request (it was answered ok). */
function isShutdown(line: string): boolean {
  try {
    return (JSON.parse(line) as { type?: unknown }).type === "shutdown";
  } catch {
    return false;
  }
}


/** The model as an in-process target: the same server, without a process in between. */
export class InProcessModelTarget implements Target {
  private readonly server: ModelServer;
  private id = 0;
  readonly description = "model (in process)";

  constructor(forced?: ProfileName, implemented?: readonly ProfileName[]) {
    this.server = new ModelServer(forced, implemented);
  }

  async hello(): Promise<{ name: string; version: string; profiles: readonly string[]; formats?: readonly number[]; features?: readonly string[] }> {
    const r = this.server.handle({ id: ++this.id, type: "hello", protocol: PROTOCOL_VERSION });
    return r.ok ? { name: String(r.result.name), version: String(r.result.version), profiles: r.result.profiles ?? [], ...(r.result.formats === undefined ? {} : { formats: r.result.formats }), ...(r.result.features === undefined ? {} : { features: r.result.features }) } : { name: "?", version: "?", profiles: [] };
  }

  async reset(profile: string, gcsStorage?: "redis" | "none"): Promise<void> {
    const r = this.server.handle({ id: ++this.id, type: "reset", profile, ...(gcsStorage === undefined ? {} : { gcsStorage }) });
    if (!r.ok) throw new TargetRefusedError(`the target ${this.description} refused reset to profile ${profile}: ${r.error.kind}: ${r.error.message}`);
  }

  async step(request: StepRequest): Promise<Reply> {
    return this.checked(this.server.handle({ id: ++this.id, type: "step", ...request }), `step ${request.do}`);
  }

  async settle(): Promise<void> {
    this.checked(this.server.handle({ id: ++this.id, type: "settle" }), "settle");
  }

  async close(): Promise<void> {}

  /** A BadRequest from the model means rollcall sent something the protocol does not allow: a protocol verdict, as from a process. */
  private checked(r: Reply, what: string): Reply {
    if (!r.ok && r.error.kind === BAD_REQUEST) throw new TargetError("protocol", `${what}: the implementation refused the request as malformed: ${r.error.message}`);
    return r;
  }
}
