import { spawn, fork, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";

// The runtime starts its processes from the built files (`npm test` builds first).
const DIST = join(process.cwd(), "dist", "runtime");
type ClientModule = typeof import("./client.js");
const { init } = (await import(join(DIST, "client.js"))) as ClientModule;

/** A JSON-lines session with the adapter, as rollcall drives it. */
class Session {
  readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Record<string, unknown>) => void>();

  constructor() {
    this.child = spawn(process.execPath, [join(DIST, "adapter.js")], { stdio: ["pipe", "pipe", "inherit"] });
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      const reply = JSON.parse(line) as Record<string, unknown>;
      this.waiting.get(reply.id as number)?.(reply);
    });
  }

  send(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.stdin!.write(JSON.stringify({ id, ...body }) + "\n");
    });
  }

  /** A step that must succeed; its result. */
  async step(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const reply = await this.send({ type: "step", ...body });
    if (reply.ok !== true) throw new Error(`step ${JSON.stringify(body)} failed: ${JSON.stringify(reply.error)}`);
    await this.send({ type: "settle" });
    return reply.result as Record<string, unknown>;
  }
}

/** Pids of runtime processes (head, drivers, actors) that mention this text in their command line. */
function runtimeProcesses(text: string): string[] {
  try {
    return execFileSync("pgrep", ["-f", text], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe("the Node runtime through the adapter protocol", () => {
  it("implements the ray profile only", async () => {
    const s = new Session();
    cleanups.push(() => s.child.kill("SIGKILL"));
    expect((await s.send({ type: "hello", protocol: 1 })).result).toMatchObject({ profiles: ["ray"] });
    expect(await s.send({ type: "reset", profile: "seed" })).toMatchObject({ ok: false, error: { kind: "Internal" } });
  });

  it("a crash is a real SIGKILL; the restart re-runs the constructor with the original arguments, keeping the id", async () => {
    const s = new Session();
    cleanups.push(() => s.child.kill("SIGKILL"));
    await s.send({ type: "reset", profile: "ray" });
    await s.step({ caller: { driver: "d1" }, do: "init", namespace: "n" });
    const { handle } = await s.step({ caller: { driver: "d1" }, do: "create", class: "Counter", args: [5], name: "c", maxRestarts: 1 });
    expect(await s.step({ caller: { driver: "d1" }, do: "call", actor: handle, method: "incr" })).toEqual({ value: 6 });
    await s.step({ do: "crash", actor: handle });
    expect(await s.step({ caller: { driver: "d1" }, do: "get", name: "c" })).toEqual({ handle });
    expect(await s.step({ caller: { driver: "d1" }, do: "call", actor: handle, method: "value" })).toEqual({ value: 5 });
    await s.step({ do: "crash", actor: handle });
    expect(await s.step({ caller: { driver: "d1" }, do: "state", actor: handle })).toEqual({ state: "DEAD" });
  });

  it("leaves no process behind when its input closes", async () => {
    const s = new Session();
    await s.send({ type: "reset", profile: "ray" });
    await s.step({ caller: { driver: "d1" }, do: "init", namespace: "n" });
    await s.step({ caller: { driver: "d1" }, do: "create", class: "Counter", lifetime: "detached" });
    const pattern = `${DIST}/(head|driver|actor).js`;
    expect(runtimeProcesses(pattern).length).toBeGreaterThanOrEqual(3);
    const exited = new Promise((r) => s.child.once("exit", r));
    s.child.stdin!.end();
    await exited;
    for (let i = 0; i < 50 && runtimeProcesses(pattern).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(runtimeProcesses(pattern)).toEqual([]);
  });
});

/** The runtime's processes now: pid, process group and command line. */
function processTable(): { pid: number; pgid: number; args: string }[] {
  return execFileSync("ps", ["-e", "-o", "pid=,pgid=,args="], { encoding: "utf8" }).trim().split("\n").map((line) => {
    const [pid, pgid, ...args] = line.trim().split(/\s+/);
    return { pid: Number(pid), pgid: Number(pgid), args: args.join(" ") };
  }).filter((p) => p.args.includes(DIST));
}

describe("the Node runtime's worker nodes (format version 2)", () => {
  it("hello lists formats 1 and 2; a node is an agent whose group holds its actors and drivers, and killNode takes them all at once", { timeout: 30_000 }, async () => {
    const s = new Session();
    cleanups.push(() => s.child.kill("SIGKILL"));
    expect((await s.send({ type: "hello", protocol: 1 })).result).toMatchObject({ formats: [1, 2] });
    await s.send({ type: "reset", profile: "ray" });
    const { node: n1 } = await s.step({ do: "addNode" });
    const { node: n2 } = await s.step({ do: "addNode" });
    expect(n1).not.toBe(n2);
    await s.step({ caller: { driver: "d1" }, do: "init", namespace: "n" });
    await s.step({ caller: { driver: "d2" }, do: "init", namespace: "n", node: n1 });
    const { handle: r } = await s.step({ caller: { driver: "d1" }, do: "create", class: "Counter", args: [3], name: "r", lifetime: "detached", maxRestarts: 1, node: n1, soft: true });
    const { handle: o } = await s.step({ caller: { driver: "d2" }, do: "create", class: "Counter", name: "o", node: n2 });
    expect(await s.step({ caller: { driver: "d1" }, do: "placement", actor: r })).toEqual({ node: n1 });
    expect(await s.step({ caller: { driver: "d1" }, do: "call", actor: r, method: "incr" })).toEqual({ value: 4 });

    const agent = processTable().find((p) => p.args.includes("agent.js") && p.args.endsWith(` ${n1}`));
    expect(agent).toBeDefined();
    const group = processTable().filter((p) => p.pgid === agent!.pid);
    // The agent, the actor r and the driver d2 (o runs on the other node).
    expect(group.map((p) => /(agent|actor|driver)\.js/.exec(p.args)?.[1]).sort()).toEqual(["actor", "agent", "driver"]);

    await s.step({ do: "killNode", node: n1 });
    expect(processTable().filter((p) => p.pgid === agent!.pid)).toEqual([]);
    // r restarted on the other node (constructor re-run); o's owner d2 died with its node.
    expect(await s.step({ caller: { driver: "d1" }, do: "placement", actor: r })).toEqual({ node: n2 });
    expect(await s.step({ caller: { driver: "d1" }, do: "call", actor: r, method: "value" })).toEqual({ value: 3 });
    await s.step({ caller: { driver: "d1" }, do: "get", name: "o" }).then(
      () => expect.fail("o should be gone"),
      (e: Error) => expect(e.message).toContain("NotFound"),
    );
    expect(await s.step({ caller: { driver: "d1" }, do: "state", actor: r })).toEqual({ state: "ALIVE" });
    void o;
    expect(await s.step({ do: "drainNode", node: n1, reason: "idle" })).toEqual({ accepted: true });
    expect(await s.step({ do: "drainNode", node: n2, reason: "idle" })).toEqual({ accepted: false });
  });

  it("leaves no process behind, worker nodes included, when its input closes", { timeout: 30_000 }, async () => {
    const s = new Session();
    await s.send({ type: "reset", profile: "ray" });
    const { node } = await s.step({ do: "addNode" });
    await s.step({ caller: { driver: "d1" }, do: "init", namespace: "n", node });
    await s.step({ caller: { driver: "d1" }, do: "create", class: "Counter", lifetime: "detached" });
    const pattern = `${DIST}/(head|driver|actor|agent).js`;
    expect(runtimeProcesses(pattern).length).toBeGreaterThanOrEqual(4);
    const exited = new Promise((r) => s.child.once("exit", r));
    s.child.stdin!.end();
    await exited;
    for (let i = 0; i < 50 && runtimeProcesses(pattern).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(runtimeProcesses(pattern)).toEqual([]);
  });

  it("leaves no process behind when it is SIGKILLed: the head and each agent notice and stop their own", { timeout: 30_000 }, async () => {
    const s = new Session();
    await s.send({ type: "reset", profile: "ray" });
    const { node } = await s.step({ do: "addNode" });
    await s.step({ caller: { driver: "d1" }, do: "init", namespace: "n", node });
    await s.step({ caller: { driver: "d1" }, do: "create", class: "Counter", lifetime: "detached" });
    const pattern = `${DIST}/(head|driver|actor|agent).js`;
    expect(runtimeProcesses(pattern).length).toBeGreaterThanOrEqual(4);
    const exited = new Promise((r) => s.child.once("exit", r));
    s.child.kill("SIGKILL");
    await exited;
    for (let i = 0; i < 50 && runtimeProcesses(pattern).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(runtimeProcesses(pattern)).toEqual([]);
  });

  it("with GCS fault tolerance: the tables come back from Redis after a restart, and nothing (redis-server included) is left when it is SIGKILLed while the GCS is down", { timeout: 60_000 }, async () => {
    const s = new Session();
    expect((await s.send({ type: "reset", profile: "ray", gcsStorage: "redis" })).ok).toBe(true);
    await s.step({ caller: { driver: "d1" }, do: "init", namespace: "n" });
    const { handle } = await s.step({ caller: { driver: "d1" }, do: "create", class: "Counter", name: "kept", lifetime: "detached" });
    expect((await s.step({ caller: { driver: "d1" }, do: "call", actor: handle, method: "incr" })).value).toBe(1);
    // The adapter's head, and the cluster's directory (every process of the cluster names it in its command line).
    const headOf = (): { pid: string; dir: string } => {
      const line = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" }).split("\n").map((l) => l.trim().split(/\s+/))
        .find(([, ppid, ...args]) => ppid === String(s.child.pid) && args.some((a) => a.endsWith("head.js")));
      if (line === undefined) throw new Error("no head process of this adapter");
      return { pid: line[0]!, dir: line.find((a) => a.endsWith("head.sock"))!.replace(/\/head\.sock$/, "") };
    };
    const first = headOf();
    await s.step({ do: "restartGcs" });
    // A new head process, which found the actor and its name in Redis; the actor process lived on (its count too).
    expect(headOf().pid).not.toBe(first.pid);
    expect(headOf().dir).toBe(first.dir);
    expect((await s.step({ caller: { driver: "d1" }, do: "list" })).names).toEqual(["kept"]);
    expect((await s.step({ caller: { driver: "d1" }, do: "call", actor: handle, method: "incr" })).value).toBe(2);
    await s.step({ do: "stopGcs" });
    const pattern = first.dir;
    expect(runtimeProcesses(pattern).length).toBeGreaterThanOrEqual(4); // the keeper, redis-server, the driver, the actor (and the dead heads' none)
    const exited = new Promise((r) => s.child.once("exit", r));
    s.child.kill("SIGKILL");
    await exited;
    for (let i = 0; i < 50 && runtimeProcesses(pattern).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(runtimeProcesses(pattern)).toEqual([]);
  });
});

describe("the client library against a head", () => {
  async function startHead(): Promise<string> {
    const socketPath = join(mkdtempSync(join(tmpdir(), "rollcall-test-")), "head.sock");
    const head = fork(join(DIST, "head.js"), [socketPath], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    cleanups.push(() => head.kill("SIGTERM"));
    await new Promise<void>((resolve) => head.on("message", () => resolve()));
    return socketPath;
  }

  it("racing get-or-create from two drivers yields one actor; ray.kill frees the name", async () => {
    const socketPath = await startHead();
    const [a, b] = await Promise.all([init(socketPath, { namespace: "n" }), init(socketPath, { namespace: "n" })]);
    cleanups.push(() => (a.shutdown(), b.shutdown()));
    const make = (c: typeof a) => c.actorClass("Counter").options({ name: "svc", getIfExists: true }).remote();
    const [ha, hb] = await Promise.all([make(a), make(b)]);
    expect(ha.id).toBe(hb.id);
    expect(await ha.call("incr")).toBe(1);
    expect(await hb.call("incr")).toBe(2);
    await a.kill(ha);
    await expect(b.getActor("svc")).rejects.toMatchObject({ kind: "NotFound" });
    await expect(hb.call("value")).rejects.toMatchObject({ kind: "ActorDied" });
    const fresh = await b.actorClass("Greeter").options({ name: "svc" }).remote("hi");
    expect(fresh.id).not.toBe(ha.id);
    expect(await fresh.call("say_hello")).toBe("hi");
  });

  it("an owned actor dies with its driver; get handles are weak", async () => {
    const socketPath = await startHead();
    const owner = await init(socketPath, { namespace: "n" });
    const other = await init(socketPath, { namespace: "n" });
    cleanups.push(() => other.shutdown());
    const h = await owner.actorClass("Counter").options({ name: "c" }).remote();
    const seen = await other.getActor("c");
    expect(await seen.call("incr")).toBe(1);
    owner.shutdown();
    for (let i = 0; i < 50 && (await other.actorState(h.id)) !== "DEAD"; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await other.actorState(h.id)).toBe("DEAD");
    await expect(other.getActor("c")).rejects.toMatchObject({ kind: "NotFound" });
  });
});
