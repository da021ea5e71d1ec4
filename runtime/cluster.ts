import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rpc, ipcChannel } from "./rpc.js";
import type { NamespaceRef } from "../sim/scenario/types.js";
import { RuntimeError, type StepMsg, type StepResult } from "./protocol.js";

const HEAD_MAIN = fileURLToPath(new URL("./head.js", import.meta.url));
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const DRIVER_MAIN = fileURLToPath(new URL("./driver.js", import.meta.url));

/** A step as the adapter protocol delivers it. */
export interface StepRequest extends Omit<StepMsg, "namespace"> {
  readonly caller?: { readonly driver: string } | { readonly actor: string };
  readonly namespace?: NamespaceRef;
}

interface Driver {
  readonly child: ChildProcess;
  readonly rpc: Rpc;
  readonly exited: Promise<void>;
  job: string | null;
}

/**
 * One cluster, as the adapter runs it: a head process (in a process group of
 * its own, with the actor processes it spawns) and one driver process per
 * scenario driver. It routes each step to the process that runs it.
 */
export class Cluster {
  /** Every cluster not yet stopped, a starting one included, so an exit handler can stop them all. */
  private static readonly live = new Set<Cluster>();
  private readonly drivers = new Map<string, Driver>();
  /** Each driver's namespace, from its init (kept after it exits, for `{ of: label }`). */
  private readonly namespaces = new Map<string, string>();
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
    const caller = req.caller;
    if (caller === undefined) throw new RuntimeError("Internal", `a ${req.do} step needs a caller`);
    if ("actor" in caller) return this.control.request<StepResult>("exec", { actor: caller.actor, step });
    if (req.do === "init") return this.startDriver(caller.driver, step);
    const driver = this.drivers.get(caller.driver);
    if (driver === undefined) throw new RuntimeError("Internal", `no driver ${caller.driver} (its init did not succeed)`);
    const result = await driver.rpc.request<StepResult>("step", { step });
    if (req.do === "exit") await this.driverGone(caller.driver, driver);
    return result;
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
    for (const d of this.drivers.values()) d.child.kill("SIGKILL");
    if (this.head.pid !== undefined && !this.headExited) {
      try {
        process.kill(-this.head.pid, "SIGKILL"); // the head's group holds every actor process too
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** `init`: a new driver process, which connects to the head and starts its job. */
  private async startDriver(label: string, step: StepMsg): Promise<StepResult> {
    if (this.drivers.has(label)) throw new RuntimeError("Internal", `driver ${label} exists already`);
    const child = fork(DRIVER_MAIN, [this.socketPath], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const driver: Driver = { child, rpc: new Rpc(ipcChannel(child)), exited, job: null };
    try {
      const r = await driver.rpc.request<StepResult>("step", { step }, `driver ${label} died during init`);
      driver.job = r.job ?? null;
      this.drivers.set(label, driver);
      this.namespaces.set(label, String(r.namespace));
      return { namespace: r.namespace };
    } catch (e) {
      child.kill("SIGKILL");
      throw e;
    }
  }

  /** After a driver's `exit`: wait for its process to end and for the head to have processed the end of its job. */
  private async driverGone(label: string, driver: Driver): Promise<void> {
    await driver.exited;
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
