import { createInterface } from "node:readline";
import { commandEnabled, firstInternalEvent, isProfileName, type Command, type Fault, type ProfileName, type Result } from "../model/index.js";
import { ROLLCALL_VERSION } from "../sim/log.js";
import { compact } from "../sim/compact.js";
import { Store } from "../sim/store.js";
import { PROTOCOL_VERSION, type Reply, type Request, type StepRequest } from "./protocol.js";
import type { Target } from "./target.js";

/**
 * The model behind the adapter protocol: `rollcall serve-model` answers
 * requests on stdio as an implementation would. It is the protocol's
 * reference implementation, and what the process adapter's tests run.
 * Steps are run one at a time in the order they arrive (one interleaving of a
 * parallel block); `settle` runs the cluster's internal events.
 */
export class ModelServer {
  /** `forced`: behave as this profile whatever `reset` asks (a deliberately wrong implementation, for testing the harness). */
  constructor(private readonly forced?: ProfileName) {}

  private store = new Store("ray");
  /** Driver label → job id. */
  private drivers = new Map<string, string>();

  handle(req: Request): Reply {
    switch (req.type) {
      case "hello": return ok(req.id, { name: "rollcall-model", version: ROLLCALL_VERSION, profiles: ["ray", "seed", "ray-2.49"] });
      case "reset":
        if (!isProfileName(req.profile)) return err(req.id, "Internal", `unknown profile ${req.profile}`);
        this.store = new Store(this.forced ?? req.profile);
        this.drivers.clear();
        return ok(req.id, {});
      case "settle":
        for (let e = firstInternalEvent(this.store.state); e !== null; e = firstInternalEvent(this.store.state)) this.store.dispatch(e);
        return ok(req.id, {});
      case "shutdown": return ok(req.id, {});
      case "step": return this.step(req);
    }
  }

  private step(req: StepRequest & { id: number }): Reply {
    const event = this.toEvent(req);
    if (typeof event === "string") return err(req.id, "Internal", event);
    if (event.type === "actor.crashed") {
      this.store.dispatch(event);
      return ok(req.id, {});
    }
    const caller = event.type === "init" ? null : event.caller;
    // A step waits while it cannot start (its actor is being created or restarted): let the cluster work.
    for (let e = firstInternalEvent(this.store.state); !commandEnabled(this.store.state, event) && e !== null; e = firstInternalEvent(this.store.state)) this.store.dispatch(e);
    let seen = [...this.store.dispatch(event)];
    while (caller !== null && this.store.state.inflight[caller] !== undefined) seen = [...seen, ...this.store.dispatch({ type: "continue", caller })];
    const answer = caller === null ? seen[0] : seen.find((o) => o.caller === caller);
    if (answer === undefined) return err(req.id, "Internal", "the model produced no answer");
    if (req.do === "init" && answer.result.kind === "driver") this.drivers.set(String((req.caller as { driver: string }).driver), answer.result.job);
    return fromResult(req.id, answer.result);
  }

  private toEvent(req: StepRequest): Command | Fault | string {
    const callerId = (): string | undefined => {
      const c = req.caller;
      if (c === undefined) return undefined;
      return "driver" in c ? this.drivers.get(c.driver) : c.actor;
    };
    const ns = req.namespace;
    const namespace = ns === undefined || typeof ns === "string" ? ns : this.namespaceOf(ns.of);
    const caller = callerId() ?? "";
    const actor = req.actor ?? "";
    switch (req.do) {
      case "init": return compact({ type: "init" as const, namespace, defaultLifetime: req.defaultLifetime });
      case "create": return compact({ type: "create" as const, caller, cls: req.class ?? "", args: req.args, name: req.name, namespace, lifetime: req.lifetime, getIfExists: req.getIfExists, maxRestarts: req.maxRestarts });
      case "get": return compact({ type: "get" as const, caller, name: req.name ?? "", namespace });
      case "call": return compact({ type: "call" as const, caller, actor, method: req.method ?? "", args: req.args });
      case "kill": return compact({ type: "kill" as const, caller, actor, noRestart: req.noRestart });
      case "drop": return { type: "drop", caller, actor };
      case "exit": return { type: "exit", caller };
      case "list": return compact({ type: "list" as const, caller, allNamespaces: req.allNamespaces });
      case "state": return { type: "state", caller, actor };
      case "crash": return { type: "actor.crashed", actor };
      default: return `unknown step ${String(req.do)}`;
    }
  }

  private namespaceOf(label: string): string | undefined {
    const job = this.drivers.get(label);
    if (job === undefined) return undefined;
    return (this.store.state.jobs[job] ?? this.store.state.finished[job]).namespace;
  }
}

function ok(id: number, result: object): Reply {
  return { id, ok: true, result };
}

function err(id: number, kind: string, message: string): Reply {
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
    case "ok": return ok(id, {});
  }
}

/** Serves the protocol on stdin/stdout until shutdown or end of input. */
export function serveModel(forced?: ProfileName): Promise<void> {
  const server = new ModelServer(forced);
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.on("line", (line) => {
      if (line.trim() === "") return;
      let req: Request;
      try {
        req = JSON.parse(line) as Request;
      } catch {
        process.stderr.write(`serve-model: not JSON: ${line.slice(0, 100)}\n`);
        return;
      }
      let reply: Reply;
      try {
        reply = server.handle(req);
      } catch (e) {
        reply = err(req.id, "Internal", (e as Error).message);
      }
      process.stdout.write(JSON.stringify(reply) + "\n");
      if (req.type === "shutdown") rl.close();
    });
    rl.on("close", resolve);
  });
}


/** The model as an in-process target: the same server, without a process in between. */
export class InProcessModelTarget implements Target {
  private readonly server: ModelServer;
  private id = 0;
  readonly description = "model (in process)";

  constructor(forced?: ProfileName) {
    this.server = new ModelServer(forced);
  }

  async hello(): Promise<{ name: string; version: string; profiles: readonly string[] }> {
    const r = this.server.handle({ id: ++this.id, type: "hello", protocol: PROTOCOL_VERSION });
    return r.ok ? { name: String(r.result.name), version: String(r.result.version), profiles: r.result.profiles ?? [] } : { name: "?", version: "?", profiles: [] };
  }

  async reset(profile: string): Promise<void> {
    this.server.handle({ id: ++this.id, type: "reset", profile });
  }

  async step(request: StepRequest): Promise<Reply> {
    return this.server.handle({ id: ++this.id, type: "step", ...request });
  }

  async settle(): Promise<void> {
    this.server.handle({ id: ++this.id, type: "settle" });
  }

  async close(): Promise<void> {}
}
