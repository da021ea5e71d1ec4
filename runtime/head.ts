import { rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { dirname } from "node:path";
import { Rpc, ipcChannel, socketChannel } from "./rpc.js";
import { Registry, type Caller } from "./registry.js";
import { HEAD, RuntimeError, type DrainReason, type PendingRequests, type Lifetime, type StepMsg } from "./protocol.js";
import { faultOn } from "./bugs.js";
import { STORAGE_ENV, TableStore, type StorageAddress } from "./store.js";

/**
 * The head process: the cluster's registry (see registry.ts), serving drivers,
 * actor processes and worker nodes' agents over a Unix domain socket (JSON
 * lines), and the adapter that started it over Node's IPC channel (control:
 * settle, crashes, node deaths and drains, code to run inside an actor).
 *
 * Under GCS fault tolerance (format version 2's `gcsStorage: "redis"`) it
 * keeps its tables in the cluster's redis-server too (store.ts; where it is,
 * in ROLLCALL_GCS_STORAGE), and flushes them before it answers anything; the
 * adapter SIGKILLs it for `stopGcs` and forks a new one with `--reload`,
 * which reads the tables back before it listens, and takes back the drivers
 * and actor processes as they reconnect.
 *
 * Usage: forked by the adapter as `node head.js <socket path> [--reload]` (in
 * a directory of its own); it sends `{ready: true}` on IPC once it listens. It
 * kills every actor process, removes the socket's directory and exits when the
 * adapter goes away.
 */

/** Serves one connection: the first request says who it is (a driver's init, an actor's hello, or a worker node agent's node). */
function serveConnection(registry: Registry, socket: Socket): void {
  let caller: Caller | null = null;
  /** The driver's node; a driver on a worker node ends when its agent reports its exit, not when its connection closes. */
  let driverNode = HEAD;
  /** Set when the peer is a worker node's agent. */
  let node: string | null = null;
  const rpc = new Rpc(socketChannel(socket), null, "ActorDied");
  // Under GCS fault tolerance nothing is answered before the tables it changed are in the storage.
  rpc.serve(async (method, p) => {
    const result = await request(method, p);
    await registry.persisted();
    return result;
  });
  const request = async (method: string, p: Record<string, unknown>): Promise<unknown> => {
    if (method === "init") {
      if (caller !== null || node !== null) throw new RuntimeError("Internal", "init twice on one connection");
      driverNode = typeof p.node === "string" ? p.node : HEAD;
      const pid = typeof p.pid === "number" ? p.pid : null;
      // A driver reconnecting to a restarted GCS goes on with its job.
      const job = typeof p.rejoin === "string"
        ? registry.rejoinJob(p.rejoin, (p.pending ?? []) as PendingRequests)
        : registry.startJob(String(p.namespace), p.defaultLifetime as Lifetime, driverNode, pid);
      caller = { kind: "driver", job: job.id };
      return { job: job.id, namespace: job.namespace };
    }
    if (method === "node") {
      if (caller !== null || node !== null) throw new RuntimeError("Internal", "node after another hello on one connection");
      registry.nodeConnected(String(p.node), rpc);
      node = String(p.node);
      return {};
    }
    if (node !== null) return nodeRequest(registry, node, method, p);
    if (method === "creationFailed") {
      // An actor process whose constructor raised, before it said hello.
      if (caller !== null) throw new RuntimeError("Internal", "creationFailed after hello");
      registry.creationFailed(String(p.actor), Number(p.incarnation));
      return {};
    }
    if (method === "hello") {
      const direct = typeof p.direct === "string" ? p.direct : null;
      if (p.rejoin === true) registry.rejoinActor(String(p.actor), Number(p.incarnation), rpc, direct, (p.pending ?? []) as PendingRequests);
      else registry.actorConnected(String(p.actor), Number(p.incarnation), rpc, direct);
      caller = { kind: "actor", actor: String(p.actor), incarnation: Number(p.incarnation) };
      return {};
    }
    if (caller === null) throw new RuntimeError("Internal", `${method} before init or hello`);
    return callerRequest(registry, caller, method, p);
  };
  rpc.onClose(() => {
    if (caller?.kind === "actor") registry.actorDisconnected(caller.actor, caller.incarnation);
    // A driver's exit is seen when its connection closes (on a worker node, when its agent reports it);
    // an actor's, when its process exits; a node's death, when its agent's connection closes.
    if (caller?.kind === "driver" && driverNode === HEAD) registry.endJob(caller.job);
    if (node !== null) registry.nodeDied(node);
  });
}

/** A report from a worker node's agent: one of its processes exited. */
async function nodeRequest(registry: Registry, node: string, method: string, p: Record<string, unknown>): Promise<unknown> {
  switch (method) {
    case "exited":
      registry.nodeProcessExited(node, String(p.key), typeof p.code === "number" ? p.code : null);
      return {};
    case "driverExited":
      registry.endJob(String(p.job));
      return {};
    default: throw new RuntimeError("Internal", `unknown node request ${method}`);
  }
}

/** A request from a driver or from code inside an actor. */
async function callerRequest(registry: Registry, caller: Caller, method: string, p: Record<string, unknown>): Promise<unknown> {
  switch (method) {
    case "register":
      return registry.register(caller, {
        cls: String(p.cls), args: (p.args ?? []) as unknown[], name: (p.name ?? null) as string | null,
        namespace: String(p.namespace), detached: p.detached === true, maxRestarts: Number(p.maxRestarts ?? 0),
        affinity: typeof p.node === "string" ? { node: p.node, soft: p.soft === true } : null,
        initFails: p.initFails === "raise" || p.initFails === "exit" || p.initFails === "exit0" ? p.initFails : null,
      });
    case "lookup": return { actor: registry.lookup(caller, String(p.namespace), String(p.name), p.handle === true) };
    case "drop": return registry.drop(caller, String(p.actor));
    case "kill":
      if (faultOn("head-dies-on-kill")) process.kill(process.pid, "SIGKILL");
      if (faultOn("head-hangs-on-kill")) return new Promise(() => undefined);
      return registry.kill(caller, String(p.actor), p.noRestart !== false);
    case "list": return { names: registry.list(caller, (p.namespace ?? null) as string | null) };
    case "state": return { state: registry.state(caller, String(p.actor)) };
    case "deathCause": return { cause: registry.deathCause(caller, String(p.actor)) };
    case "placement": return { node: registry.placement(caller, String(p.actor)) };
    case "call": return registry.call(caller, String(p.actor), String(p.method), (p.args ?? []) as unknown[]);
    case "exiting": return registry.exiting(caller);
    default: throw new RuntimeError("Internal", `unknown request ${method}`);
  }
}

/** A request from the adapter. */
async function controlRequest(registry: Registry, method: string, p: Record<string, unknown>): Promise<unknown> {
  switch (method) {
    case "settle":
      await registry.settled();
      return {};
    case "exec": {
      // Code to run inside an actor: it waits while the actor is not (yet, or again) running, and fails if it is DEAD.
      const conn = await registry.whenAlive(String(p.actor)).catch((e: unknown) => {
        // Code inside an actor that is DEAD fails as its caller died, whatever killed it.
        throw e instanceof RuntimeError && e.kind === "ActorUnschedulable" ? new RuntimeError("ActorDied", e.message) : e;
      });
      return conn.request("exec", { step: p.step as StepMsg });
    }
    case "crash":
      await registry.crash(String(p.actor));
      return {};
    case "jobEnded":
      await registry.jobEnded(String(p.job));
      return {};
    case "nodeDied":
      registry.nodeDied(String(p.node));
      return {};
    case "drain":
      return { accepted: registry.drain(String(p.node), p.reason as DrainReason) };
    default: throw new RuntimeError("Internal", `unknown control request ${method}`);
  }
}

async function main(): Promise<void> {
  const socketPath = process.argv[2];
  const reload = process.argv[3] === "--reload";
  if (socketPath === undefined || process.send === undefined) {
    process.stderr.write("usage: forked as node head.js <socket path> [--reload]\n");
    process.exit(2);
  }
  // GCS fault tolerance: the tables live in the cluster's redis-server too, and a restarted head reloads them.
  const address = process.env[STORAGE_ENV];
  delete process.env[STORAGE_ENV]; // the actor processes it spawns need not know the storage's password
  const store = address === undefined ? null : await TableStore.open(JSON.parse(address) as StorageAddress);
  const registry = new Registry(socketPath, store);
  if (reload && store !== null) registry.load(await store.load());
  // The socket file an earlier head of this cluster left behind (it was SIGKILLed).
  rmSync(socketPath, { force: true });
  const server: Server = createServer((socket) => serveConnection(registry, socket));
  const control = new Rpc(ipcChannel(process), async (method, p) => {
    const result = await controlRequest(registry, method, p);
    await registry.persisted();
    return result;
  });
  const stop = (): never => {
    registry.killAll();
    server.close();
    // The socket's directory was made for this head alone.
    rmSync(dirname(socketPath), { recursive: true, force: true });
    process.exit(0);
  };
  control.onClose(stop);
  if (!process.connected) stop(); // the adapter went away before this head got going
  process.on("SIGTERM", stop);
  server.on("error", (e) => {
    process.stderr.write(`head: ${e.message}\n`);
    stop();
  });
  server.listen(socketPath, () => process.send!({ ready: true }));
}

main().catch((e: unknown) => {
  process.stderr.write(`head: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
