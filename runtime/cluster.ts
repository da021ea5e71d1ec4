import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rpc, ipcChannel } from "./rpc.js";
import type { NamespaceRef } from "../sim/scenario/types.js";
import { HEAD, RuntimeError, type StepMsg, type StepResult } from "./protocol.js";

const HEAD_MAIN = fileURLToPath(new URL("./head.js", import.meta.url));
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const DRIVER_MAIN = fileURLToPath(new URL("./driver.js", import.meta.url));
const AGENT_MAIN = fileURLToPath(new URL("./agent.js", import.meta.url));

/** A step as the adapter protocol delivers it. */
export interface StepRequest extends Omit<StepMsg, "namespace"> {
  readonly caller?: { readonly driver: string } | { readonly actor: string };
  readonly namespace?: NamespaceRef;
}

/** A driver process: this process's child (on the head), or a worker node agent's, reached through the agent. */
interface Driver {
  /** Runs a step in the driver. */
  readonly step: (step: StepMsg, closedMessage?: string) => Promise<StepResult>;
  /** Resolves once the driver's process has exited. */
  readonly exited: () => Promise<void>;
  readonly kill: () => void;
  /** HEAD, or the worker node it runs on. */
  readonly node: string;
  job: string | null;
}

/** A worker node's agent process (agent.ts), in a process group of its own with every process of the node. */
interface Agent {
  readonly child: ChildProcess;
  readonly rpc: Rpc;
  readonly gone: Promise<void>;
  /** Set once the agent has exited: its pid (and group id) may then belong to someone else. */
  exited: boolean;
}

/**
 * One cluster, as the adapter runs it: a head process (in a process group of
 * its own, with the actor processes it spawns), one agent process per worker
 * node (format version 2; each in a group of its own, with the node's actor
 * processes and drivers), and one driver process per scenario driver. It
 * routes each step to the process that runs it.
 */
export class Cluster {
  /** Every cluster not yet stopped, a starting one included, so an exit handler can stop them all. */
  private static readonly live = new Set<Cluster>();
  private readonly drivers = new Map<string, Driver>();
  /** Each driver's namespace, from its init (kept after it exits, for `{ of: label }`). */
  private readonly namespaces = new Map<string, string>();
  /** Worker nodes by id, in the order they were added. */
  private readonly agents = new Map<string, Agent>();
  private stopped = false;
  /** Set once the head process has exited: its pid (and group id) may then belong to someone else. */
  private headExited = false;
  /** Resolves when the head process has exited. */
  private readonly headGone: Promise<void>;
  /** Set once the head listens: from then on its exit loses the cluster (before, start reports it). */
  private ready = false;

  private constructor(private readonly dir: string, private readonly socketPath: string, private readonly head: ChildProcess, private readonly control: Rpc) {
    Cluster.live.add(this);
    this.headGone = new Promise((resolve) => head.once("exit", (code, signal) => {
      this.headExited = true;
      resolve();
      if (this.ready && !this.stopped) this.lost(code, signal);
    }));
  }

  /**
   * The head died under a live cluster: the registry and every actor are gone
   * with it, so no step can be answered truthfully. Stops everything and exits,
   * so the harness gives a "died" verdict naming the step in flight.
   */
  private lost(code: number | null, signal: NodeJS.Signals | null): never {
    // Its actor processes may outlive it in its process group: the group's id
    // cannot be reused while they are in it, so this reaches them alone.
    try {
      if (this.head.pid !== undefined) process.kill(-this.head.pid, "SIGKILL");
    } catch {
      // no member left
    }
    process.stderr.write(`node runtime: the head process died (${signal ?? `status ${code}`}); the cluster is lost\n`);
    Cluster.stopAll();
    process.exit(70);
  }

  /** Stops every cluster (for exit handlers). */
  static stopAll(): void {
    for (const c of Cluster.live) c.stop();
  }

  /** Starts a head on a fresh socket in a temporary directory, and waits until it listens. */
  static async start(): Promise<Cluster> {
    const dir = mkdtempSync(join(tmpdir(), "rollcall-"));
    const socketPath = join(dir, "head.sock");
    const head = fork(HEAD_MAIN, [socketPath], { detached: true, stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const cluster = new Cluster(dir, socketPath, head, new Rpc(ipcChannel(head)));
    await new Promise<void>((resolve, reject) => {
      head.on("message", (m: { ready?: boolean }) => m.ready === true && resolve());
      head.once("exit", (code) => reject(new RuntimeError("Internal", `the head exited (status ${code}) before it was ready`)));
      head.once("error", (e) => reject(new RuntimeError("Internal", `cannot start the head: ${e.message}`)));
    }).catch((e: unknown) => {
      cluster.stop();
      throw e;
    });
    cluster.ready = true;
    return cluster;
  }

  /** Runs one step in the process it belongs to: a driver, an actor (through the head), or a crash injected here. */
  async step(req: StepRequest): Promise<StepResult> {
    try {
      return await this.run(req);
    } catch (e) {
      // A driver may see the head's socket close before this process sees the
      // head exit: give the exit a moment, so a lost cluster ends this process
      // (a "died" verdict) rather than answering with an Internal error.
      if (e instanceof RuntimeError && e.kind === "Internal" && !this.stopped) await Promise.race([this.headGone, delay(1000)]);
      throw e;
    }
  }

  private async run(req: StepRequest): Promise<StepResult> {
    const step = this.resolveNamespace(req);
    if (req.do === "crash") return this.crash(String(req.actor));
    if (req.do === "addNode") return this.addNode();
    if (req.do === "killNode") return this.killNode(String(req.node));
    if (req.do === "drainNode") return this.control.request<StepResult>("drain", { node: req.node, reason: req.reason });
    const caller = req.caller;
    if (caller === undefined) throw new RuntimeError("Internal", `a ${req.do} step needs a caller`);
    if ("actor" in caller) return this.control.request<StepResult>("exec", { actor: caller.actor, step });
    if (req.do === "init") return this.startDriver(caller.driver, step);
    const driver = this.drivers.get(caller.driver);
    if (driver === undefined) throw new RuntimeError("Internal", `no driver ${caller.driver} (its init did not succeed, or its node died)`);
    const result = await driver.step(step);
    if (req.do === "exit") await this.driverGone(caller.driver, driver);
    return result;
  }

  /** `addNode`: a new agent process, which connects to the head; answers once the head knows the node (it is schedulable). */
  private async addNode(): Promise<StepResult> {
    const id = `node-${this.agents.size + 1}`;
    const child = fork(AGENT_MAIN, [this.socketPath, id], { detached: true, stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const agent: Agent = { child, rpc: new Rpc(ipcChannel(child)), gone: new Promise((resolve) => child.once("exit", () => resolve())), exited: false };
    void agent.gone.then(() => (agent.exited = true));
    this.agents.set(id, agent);
    await new Promise<void>((resolve, reject) => {
      child.on("message", (m: { ready?: boolean }) => m.ready === true && resolve());
      child.once("exit", (code) => reject(new RuntimeError("Internal", `the agent of node ${id} exited (status ${code}) before it was ready`)));
      child.once("error", (e) => reject(new RuntimeError("Internal", `cannot start the agent of node ${id}: ${e.message}`)));
    });
    return { node: id };
  }

  /**
   * `killNode`: SIGKILLs the node's agent, then its process group (every
   * actor process and driver of the node), so the agent reports none of
   * their deaths; answers once the head has handled the node's death.
   */
  private async killNode(id: string): Promise<StepResult> {
    const agent = this.agents.get(id);
    if (agent === undefined) throw new RuntimeError("Internal", `no node ${id} in this cluster`);
    this.killAgent(agent);
    await agent.gone;
    for (const [label, d] of this.drivers) if (d.node === id) this.drivers.delete(label);
    await this.control.request("nodeDied", { node: id });
    return {};
  }

  /** SIGKILLs an agent first (so it reports nothing), then its group. Both at once: its pid cannot be reused before this process sees it exit. */
  private killAgent(agent: Agent): void {
    if (agent.exited || agent.child.pid === undefined) return;
    for (const target of [agent.child.pid, -agent.child.pid]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  /** Answers once the head reports the cluster quiescent. */
  async settle(): Promise<void> {
    await this.control.request("settle");
  }

  /** Kills every process of the cluster at once and removes its directory. Safe to call twice, and from exit handlers. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    Cluster.live.delete(this);
    for (const d of this.drivers.values()) d.kill();
    for (const a of this.agents.values()) this.killAgent(a);
    if (this.head.pid !== undefined && !this.headExited) {
      try {
        process.kill(-this.head.pid, "SIGKILL"); // the head's group holds every actor process too
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * `init`: a new driver process, which connects to the head and starts its
   * job: this process's child, or, with a worker node (format version 2),
   * the child of that node's agent. A driver started on a node that is
   * already dead runs on the head: nothing it does can tell (that node cannot
   * die again, and its drains are accepted whatever runs there).
   */
  private async startDriver(label: string, step: StepMsg): Promise<StepResult> {
    if (this.drivers.has(label)) throw new RuntimeError("Internal", `driver ${label} exists already`);
    const agent = step.node === undefined || step.node === HEAD ? undefined : this.agents.get(step.node);
    if (step.node !== undefined && step.node !== HEAD && agent === undefined) throw new RuntimeError("Internal", `no node ${step.node} in this cluster`);
    const driver = agent === undefined || agent.exited ? this.headDriver() : await this.nodeDriver(label, agent, String(step.node));
    try {
      const r = await driver.step(step, `driver ${label} died during init`);
      driver.job = r.job ?? null;
      this.drivers.set(label, driver);
      this.namespaces.set(label, String(r.namespace));
      return { namespace: r.namespace };
    } catch (e) {
      driver.kill();
      throw e;
    }
  }

  /** A driver process of this one's (on the head). */
  private headDriver(): Driver {
    const child = fork(DRIVER_MAIN, [this.socketPath], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const rpc = new Rpc(ipcChannel(child));
    return { step: (step, closed) => rpc.request<StepResult>("step", { step }, closed), exited: () => exited, kill: () => void child.kill("SIGKILL"), node: HEAD, job: null };
  }

  /** A driver process the node's agent forks and relays steps to. */
  private async nodeDriver(label: string, agent: Agent, node: string): Promise<Driver> {
    await agent.rpc.request("driver", { label });
    const ignore = (): void => undefined;
    return {
      step: (step, closed) => agent.rpc.request<StepResult>("driverStep", { label, step }, closed),
      exited: () => agent.rpc.request<void>("driverGone", { label }).catch(ignore),
      kill: () => void agent.rpc.request("driverKill", { label }).catch(ignore),
      node,
      job: null,
    };
  }

  /** After a driver's `exit`: wait for its process to end and for the head to have processed the end of its job. */
  private async driverGone(label: string, driver: Driver): Promise<void> {
    await driver.exited();
    this.drivers.delete(label);
    if (driver.job !== null) await this.control.request("jobEnded", { job: driver.job });
  }

  /** Fault injection: the head SIGKILLs the actor's process and answers once it has seen it die. */
  private async crash(actor: string): Promise<StepResult> {
    await this.control.request("crash", { actor });
    return {};
  }

  /** Replaces `{ of: label }` with that driver's namespace. */
  private resolveNamespace(req: StepRequest): StepMsg {
    const { caller, namespace, ...rest } = req;
    void caller;
    if (namespace === undefined || typeof namespace === "string") return { ...rest, ...(namespace === undefined ? {} : { namespace }) };
    const ns = this.namespaces.get(namespace.of);
    if (ns === undefined) throw new RuntimeError("Internal", `no namespace known for driver ${namespace.of}`);
    return { ...rest, namespace: ns };
  }
}
