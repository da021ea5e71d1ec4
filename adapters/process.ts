import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { PROTOCOL_VERSION, type Reply, type Request, type StepRequest } from "./protocol.js";
import { BAD_REQUEST, replyProblem, resultKind, resultProblem } from "./schema.js";
import { TargetError, TargetRefusedError, type Target } from "./target.js";
import { TargetLog } from "./target-log.js";

/** Distributes Omit over a union (TypeScript's Omit does not). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface ProcessTargetOptions {
  /** Deadline for each step and settle, in milliseconds (a reset gets three times as long). */
  readonly stepTimeoutMs: number;
  readonly cwd?: string;
  /** Extra environment variables for the implementation (`--bug` sets ROLLCALL_BUG). */
  readonly env?: Readonly<Record<string, string>>;
  /** How messages name the target (`node`, `ray`, `cmd:…`); by default `cmd:<command>`. */
  readonly label?: string;
  /**
   * A folder for the target's own log (adapters/target-log.ts): every request,
   * every line it writes on stdout and stderr, and each verdict; every verdict
   * names the file. The implementation gets ROLLCALL_LOG_DIR for logs of its own.
   */
  readonly logDir?: string;
  /** The release the implementation must report in its hello (a Ray release, for `--target ray@VERSION`). */
  readonly release?: string;
}

/** Targets whose process group may still run: stopped by stopAllTargets() when rollcall exits. */
const live = new Set<ProcessTarget>();

/**
 * Sends SIGTERM to the process group of every target still running. The
 * command line calls it on exit and on SIGINT/SIGTERM, so an interrupted run
 * leaves no implementation (or Ray cluster) behind.
 */
export function stopAllTargets(): void {
  for (const target of live) target.terminate();
  live.clear();
}

interface Pending {
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: TargetError) => void;
  readonly timer: NodeJS.Timeout;
  readonly what: string;
  /** The key of the result's schema (schema.ts resultKind). */
  readonly kind: string;
}

/**
 * An implementation that speaks the adapter protocol over stdio
 * (docs/adapter-protocol.md). It runs in a process group of its own, so a
 * verdict (timeout, death, broken protocol) stops it and everything it
 * started, and rollcall never hangs on it.
 */
export class ProcessTarget implements Target {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private readonly stderrTail: string[] = [];
  private nextId = 1;
  private failure: TargetError | null = null;
  private exited = false;
  /** The implementation refused hello: every reset is refused with it. */
  private refusal: TargetRefusedError | null = null;
  /** close() was called: the process's exit is expected, not a verdict. */
  private closing = false;

  /** The target's own log, when ProcessTargetOptions.logDir is given. */
  readonly log: TargetLog | null;

  constructor(readonly command: string, private readonly options: ProcessTargetOptions) {
    this.log = options.logDir === undefined ? null : TargetLog.open(options.logDir, options.label ?? "cmd");
    const env = { ...process.env, ...(options.env ?? {}), ...(this.log === null ? {} : { ROLLCALL_LOG_DIR: this.log.ownDir }) };
    this.log?.line("#", `started in ${options.cwd ?? process.cwd()}: ${command}${options.env === undefined ? "" : ` (with ${Object.entries(options.env).map(([k, v]) => `${k}=${v}`).join(" ")})`}`);
    this.child = spawn(command, { shell: true, cwd: options.cwd, env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    live.add(this);
    this.child.on("error", (e) => this.fail(new TargetError("died", `cannot start '${command}': ${e.message}`)));
    this.child.on("exit", (code, signal) => {
      this.exited = true;
      live.delete(this);
      const how = signal !== null ? `killed by ${signal}` : `exited with status ${code}`;
      if (this.closing) this.log?.line("#", `the implementation ${how}`);
      this.fail(new TargetError("died", `the implementation ${how}${this.tail()}`));
    });
    this.child.stdin?.on("error", () => undefined); // a dead child's closed pipe is reported by "exit"
    createInterface({ input: this.child.stdout! }).on("line", (line) => this.onLine(line));
    createInterface({ input: this.child.stderr! }).on("line", (line) => {
      this.log?.line("!", line);
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
    });
  }

  get description(): string {
    const bug = this.options.env?.["ROLLCALL_BUG"];
    return `${this.options.label ?? `cmd:${this.command}`}${bug === undefined ? "" : ` (--bug ${bug})`}`;
  }

  /** The implementation's hello, checked against the protocol's schema; an error reply is a refusal. */
  async hello(): Promise<{ name: string; version: string; profiles: readonly string[]; formats?: readonly number[]; features?: readonly string[] }> {
    const reply = await this.request({ type: "hello", protocol: PROTOCOL_VERSION }, this.options.stepTimeoutMs, "hello");
    if (!reply.ok) {
      // Remembered: whoever goes on without the hello gets the refusal at reset.
      this.refusal = new TargetRefusedError(`the target ${this.description} refused hello: ${reply.error.kind}: ${reply.error.message}${this.logNote()}`);
      throw this.refusal;
    }
    const r = reply.result;
    if (this.options.release !== undefined && r.version !== this.options.release) {
      this.refusal = new TargetRefusedError(`the target ${this.description} runs release ${String(r.version)}, not ${this.options.release}${this.logNote()}`);
      throw this.refusal;
    }
    return { name: r.name as string, version: r.version as string, profiles: r.profiles as string[], ...((r as { formats?: unknown }).formats === undefined ? {} : { formats: (r as { formats: number[] }).formats }), ...((r as { features?: unknown }).features === undefined ? {} : { features: (r as { features: string[] }).features }) };
  }

  /** A fresh cluster; an error reply is a refusal (an unknown bug, a profile it does not implement): TargetRefusedError. */
  async reset(profile: string, gcsStorage?: "redis" | "none"): Promise<void> {
    if (this.refusal !== null) throw this.refusal;
    const reply = await this.request({ type: "reset", profile, ...(gcsStorage === undefined ? {} : { gcsStorage }) }, this.options.stepTimeoutMs * 3, "reset");
    if (!reply.ok) throw new TargetRefusedError(`the target ${this.description} refused reset to profile ${profile}: ${reply.error.kind}: ${reply.error.message}${this.logNote()}`);
  }

  step(request: StepRequest): Promise<Reply> {
    return this.request({ type: "step", ...request }, this.options.stepTimeoutMs, `step ${request.do}`);
  }

  async settle(): Promise<void> {
    const reply = await this.request({ type: "settle" }, this.options.stepTimeoutMs, "settle");
    if (!reply.ok) {
      const error = new TargetError("protocol", `settle failed: ${reply.error.kind}: ${reply.error.message}${this.tail()}`);
      this.log?.line("#", `${error.verdict}: ${error.message}`);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    if (!this.exited && this.failure === null) {
      try {
        await this.request({ type: "shutdown" }, 10_000, "shutdown");
      } catch {
        // Stopped below either way.
      }
    }
    await this.kill();
    this.log?.line("#", "stopped");
    this.log?.close();
  }

  private request(body: DistributiveOmit<Request, "id">, timeoutMs: number, what: string): Promise<Reply> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new TargetError("timeout", `no answer to ${what} within ${(timeoutMs / 1000).toFixed(1)} s${this.tail()}`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, what, kind: resultKind(body as { type: string; do?: string; allNamespaces?: boolean }) });
      const line = JSON.stringify({ id, ...body });
      this.log?.line(">", line);
      this.child.stdin?.write(line + "\n");
    });
  }

  private onLine(line: string): void {
    this.log?.line("<", line);
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.fail(new TargetError("protocol", `the implementation wrote a line that is not JSON: ${JSON.stringify(line.slice(0, 200))}`));
      return;
    }
    const quoted = line.length > 200 ? `${line.slice(0, 200)}...` : line;
    const problem = replyProblem(value);
    if (problem !== null) {
      this.fail(new TargetError("protocol", `a reply that breaks the protocol: ${problem}: ${quoted}`));
      return;
    }
    const reply = value as Reply;
    if (reply.id === null) {
      this.fail(new TargetError("protocol", `the implementation could not read a request: ${(reply as { error: { message: string } }).error.message}`));
      return;
    }
    const pending = this.pending.get(reply.id);
    if (pending === undefined) {
      this.fail(new TargetError("protocol", `the implementation answered id ${reply.id}, which was not asked (or was answered already)`));
      return;
    }
    const wrong = reply.ok ? resultProblem(pending.kind, reply.result) : reply.error.kind === BAD_REQUEST ? `it refused the request as malformed: ${reply.error.message}` : null;
    if (wrong !== null) {
      this.fail(new TargetError("protocol", `the reply to ${pending.what} breaks the protocol: ${wrong}: ${quoted}`), reply.id);
      return;
    }
    clearTimeout(pending.timer);
    this.pending.delete(reply.id);
    pending.resolve(reply);
  }

  /**
   * Records the first verdict, fails every request in flight (each named,
   * except `culprit`, whose message names it already), and stops the process group.
   */
  private fail(found: TargetError, culprit?: number): void {
    if (this.failure !== null) return;
    const error = this.log === null || found.message.includes(this.log.path) ? found : new TargetError(found.verdict, `${found.message}${this.logNote()}`);
    this.failure = error;
    if (!this.closing) this.log?.line("#", `${error.verdict}: ${error.message}`);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(id === culprit ? error : new TargetError(error.verdict, `${p.what}: ${error.message}`));
    }
    this.pending.clear();
    void this.kill();
  }

  /** The end of a verdict's message: the last lines of stderr, and where the whole log is. */
  private tail(): string {
    return `${this.stderrTail.length === 0 ? "" : `; its last words on stderr: ${this.stderrTail.slice(-5).join(" | ")}`}${this.logNote()}`;
  }

  private logNote(): string {
    return this.log === null ? "" : ` (its log: ${this.log.path})`;
  }

  /** SIGTERM to the whole process group, at once and synchronously (for exit handlers). */
  terminate(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }

  /** Stops the whole process group: SIGTERM, then SIGKILL if it lingers. */
  private async kill(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) return;
    const signalGroup = (signal: NodeJS.Signals): boolean => {
      try {
        process.kill(-pid, signal);
        return true;
      } catch {
        return false;
      }
    };
    if (!signalGroup("SIGTERM")) return;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (!signalGroup(0 as unknown as NodeJS.Signals)) return;
    }
    signalGroup("SIGKILL");
  }
}
