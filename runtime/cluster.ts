import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rpc, ipcChannel } from "./rpc.js";
import type { NamespaceRef } from "../sim/scenario/types.js";
import { HEAD, RuntimeError, type StepMsg, type StepResult } from "./protocol.js";
import { STORAGE_ENV, type StorageAddress } from "./store.js";
import { pidAlive } from "./pids.js";
import { connectActor } from "./client.js";

const HEAD_MAIN = fileURLToPath(new URL("./head.js", import.meta.url));
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const DRIVER_MAIN = fileURLToPath(new URL("./driver.js", import.meta.url));
const AGENT_MAIN = fileURLToPath(new URL("./agent.js", import.meta.url));
const STORAGE_MAIN = fileURLToPath(new URL("./storage.js", import.meta.url));

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

/** A head process (the GCS, and the head node's raylet: it spawns the head node's actor processes). */
interface Head {
  readonly child: ChildProcess;
  readonly control: Rpc;
  /** Resolves when the process has exited. */
  readonly gone: Promise<void>;
  /** Set once it has exited: its pid (and group id) may then belong to someone else. */
  exited: boolean;
}

/** Where a cluster's GCS keeps its tables (format version 2's gcsStorage; absent: none). */
export type GcsStorage = "redis" | "none";

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
  /** The head now running; null while the GCS is stopped (stopGcs). */
  private current: Head | null = null;
  /**
   * Every head this cluster started: a head's process group keeps the actor
   * processes it spawned after it was killed (GCS fault tolerance), so
   * `stop` kills each group.
   */
  private readonly heads: Head[] = [];
  /** The cluster's own redis-server (gcsStorage redis), in a process group of its own. */
  private redis: { child: ChildProcess; exited: boolean } | null = null;
  private storage: StorageAddress | null = null;

  private constructor(private readonly dir: string, private readonly socketPath: string, readonly gcsStorage: GcsStorage) {
    Cluster.live.add(this);
  }

  private get ft(): boolean {
    return this.gcsStorage === "redis";
  }

  /** The running head's control channel; while the GCS is stopped there is none. */
  private get control(): Rpc {
    if (this.current === null) throw new RuntimeError("Internal", "the GCS is stopped (stopGcs) and this step needs it");
    return this.current.control;
  }

  /** The environment of the cluster's processes: under GCS fault tolerance they outlive the head, and reconnect. */
  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return this.ft ? { ...process.env, ROLLCALL_GCS_FT: "1", ROLLCALL_CLUSTER_OWNER: String(process.pid), ...extra } : process.env;
  }

  /**
   * Forks a head and waits until it listens (with `reload`: after it has
   * reloaded its tables). From then on its death, unless the cluster killed
   * it (stopGcs), loses the cluster.
   */
  private async startHead(reload: boolean): Promise<void> {
    const env = this.env(this.storage === null ? {} : { [STORAGE_ENV]: JSON.stringify(this.storage) });
    const child = fork(HEAD_MAIN, [this.socketPath, ...(reload ? ["--reload"] : [])], { detached: true, stdio: ["ignore", "ignore", "inherit", "ipc"], env });
    let ready = false;
    const head: Head = { child, control: new Rpc(ipcChannel(child)), exited: false, gone: new Promise((resolve) => child.once("exit", (code, signal) => {
      head.exited = true;
      resolve();
      if (ready && !this.stopped && this.current === head) this.lost(head, code, signal);
    })) };
    this.heads.push(head);
    await new Promise<void>((resolve, reject) => {
      child.on("message", (m: { ready?: boolean }) => m.ready === true && resolve());
      child.once("exit", (code) => reject(new RuntimeError("Internal", `the head exited (status ${code}) before it was ready`)));
      child.once("error", (e) => reject(new RuntimeError("Internal", `cannot start the head: ${e.message}`)));
    });
    ready = true;
    this.current = head;
  }

  /**
   * The head died under a live cluster: the registry and every actor are gone
   * with it, so no step can be answered truthfully. Stops everything and exits,
   * so the harness gives a "died" verdict naming the step in flight.
   */
  private lost(head: Head, code: number | null, signal: NodeJS.Signals | null): never {
    // Its actor processes may outlive it in its process group: the group's id
    // cannot be reused while they are in it, so this reaches them alone.
    try {
      if (head.child.pid !== undefined) process.kill(-head.child.pid, "SIGKILL");
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

  /**
   * Starts a head on a fresh socket in a temporary directory (0700), and
   * waits until it listens. With `gcsStorage` redis, first a redis-server of
   * the cluster's own: on a Unix socket in that directory (no TCP port at
   * all), with a random password in a 0600 config file, no persistence of
   * its own; the head keeps its tables there under a fresh key prefix.
   */
  static async start(gcsStorage: GcsStorage = "none"): Promise<Cluster> {
    const dir = mkdtempSync(join(tmpdir(), "rollcall-"));
    const cluster = new Cluster(dir, join(dir, "head.sock"), gcsStorage);
    try {
      if (gcsStorage === "redis") await cluster.startRedis();
      await cluster.startHead(false);
    } catch (e) {
      cluster.stop();
      throw e;
    }
    return cluster;
  }

  /** The cluster's redis-server, through its keeper (storage.ts), which stops it when this process goes away, however it goes. */
  private async startRedis(): Promise<void> {
    const password = randomBytes(16).toString("hex");
    const child = fork(STORAGE_MAIN, [this.dir], { detached: true, stdio: ["ignore", "ignore", "inherit", "ipc"], env: { ...process.env, ROLLCALL_REDIS_PASSWORD: password } });
    const redis = { child, exited: false };
    this.redis = redis;
    await new Promise<void>((resolve, reject) => {
      child.on("message", (m: { ready?: boolean }) => m.ready === true && resolve());
      child.once("exit", (code) => {
        redis.exited = true;
        reject(new RuntimeError("Internal", `the cluster's redis-server did not start (status ${code}; its reason is on stderr)`));
      });
    });
    this.storage = { socket: join(this.dir, "redis.sock"), password, prefix: `rollcall-${randomBytes(6).toString("hex")}` };
  }

  /** Runs one step in the process it belongs to: a driver, an actor (through the head), or a crash injected here. */
  async step(req: StepRequest): Promise<StepResult> {
    try {
      return await this.run(req);
    } catch (e) {
      // A driver may see the head's socket close before this process sees the
      // head exit: give the exit a moment, so a lost cluster ends this process
      // (a "died" verdict) rather than answering with an Internal error.
      if (e instanceof RuntimeError && e.kind === "Internal" && !this.stopped && this.current !== null) await Promise.race([this.current.gone, delay(1000)]);
      throw e;
    }
  }

  private async run(req: StepRequest): Promise<StepResult> {
    const step = this.resolveNamespace(req);
    if (req.do === "stopGcs") return this.stopGcs();
    if (req.do === "startGcs") return this.startGcs();
    if (req.do === "restartGcs") {
      await this.stopGcs();
      return this.startGcs();
    }
    if (req.do === "crash") return this.crash(String(req.actor));
    if (req.do === "addNode") {
      if (this.ft) throw new RuntimeError("Internal", "the Node runtime does not run worker nodes in a cluster with GCS fault tolerance (gcsStorage redis)");
      return this.addNode();
    }
    if (req.do === "killNode") return this.killNode(String(req.node));
    if (req.do === "drainNode") return this.control.request<StepResult>("drain", { node: req.node, reason: req.reason });
    const caller = req.caller;
    if (caller === undefined) throw new RuntimeError("Internal", `a ${req.do} step needs a caller`);
    if ("actor" in caller) {
      if (this.current === null) return this.actorRpc(caller.actor, (rpc) => rpc.request<StepResult>("exec", { step }));
      return this.control.request<StepResult>("exec", { actor: caller.actor, step });
    }
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

  /** Answers once the head reports the cluster quiescent; while the GCS is stopped nothing happens, so at once. */
  async settle(): Promise<void> {
    if (this.current === null) return;
    await this.control.request("settle");
  }

  /**
   * `stopGcs`: SIGKILLs the head (the GCS), as Ray's tests kill the
   * gcs_server. With persistence the actor processes and drivers live on and
   * wait for a new head; without it the cluster is lost (the raylets exit
   * when the GCS goes away): every process of it is killed with the head.
   */
  private async stopGcs(): Promise<StepResult> {
    const head = this.current;
    if (head === null) throw new RuntimeError("Internal", "stopGcs: the GCS is stopped already");
    this.current = null;
    if (head.child.pid !== undefined && !head.exited) {
      try {
        process.kill(this.ft ? head.child.pid : -head.child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await head.gone;
    if (!this.ft) {
      for (const d of this.drivers.values()) d.kill();
      await Promise.all([...this.drivers.values()].map((d) => d.exited()));
      this.drivers.clear();
    }
    return {};
  }

  /** `startGcs`: a new head on the same socket; with persistence it reloads the tables, and the cluster's processes reconnect to it. */
  private async startGcs(): Promise<StepResult> {
    if (this.current !== null) throw new RuntimeError("Internal", "startGcs: the GCS is running");
    await this.startHead(this.ft);
    return {};
  }

  /**
   * Reaches an actor's process on its own socket (GCS fault tolerance, while
   * the GCS is stopped): the newest incarnation's socket in the cluster's
   * directory.
   */
  private async actorRpc<T>(actor: string, use: (rpc: Rpc) => Promise<T>): Promise<T> {
    const prefix = `a-${actor}-`;
    const incarnations = readdirSync(this.dir).filter((f) => f.startsWith(prefix) && f.endsWith(".sock")).map((f) => Number(f.slice(prefix.length, -5)));
    if (incarnations.length === 0) throw new RuntimeError("Internal", `actor ${actor} has no process to reach while the GCS is stopped`);
    const path = join(this.dir, `${prefix}${Math.max(...incarnations)}.sock`);
    const rpc = await connectActor(path);
    try {
      return await use(rpc);
    } finally {
      rpc.close();
    }
  }

  /** Kills every process of the cluster at once and removes its directory. Safe to call twice, and from exit handlers. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    Cluster.live.delete(this);
    for (const d of this.drivers.values()) d.kill();
    for (const a of this.agents.values()) this.killAgent(a);
    for (const head of this.heads) {
      // The head's group holds every actor process it spawned, and outlives it while they live (an exited
      // head's group id cannot be reused while it has members). Under GCS fault tolerance each head's.
      if (head.child.pid === undefined || (head.exited && !this.ft)) continue;
      try {
        process.kill(-head.child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (this.redis !== null && !this.redis.exited && this.redis.child.pid !== undefined) {
      try {
        process.kill(-this.redis.child.pid, "SIGKILL");
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
    const child = fork(DRIVER_MAIN, [this.socketPath], { stdio: ["ignore", "ignore", "inherit", "ipc"], env: this.env() });
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

  /**
   * Fault injection: the head SIGKILLs the actor's process and answers once
   * it has seen it die. While the GCS is stopped the process is asked its
   * pid on its own socket, SIGKILLed, and the answer comes once it is gone;
   * the restarted head finds out.
   */
  private async crash(actor: string): Promise<StepResult> {
    if (this.current !== null) {
      await this.control.request("crash", { actor });
      return {};
    }
    const pid = await this.actorRpc(actor, (rpc) => rpc.request<{ pid: number }>("pid")).then((r) => r.pid, () => null);
    if (pid === null) return {};
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
    while (pidAlive(pid)) await delay(10);
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
