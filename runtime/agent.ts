import { fork, spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { connectHead } from "./client.js";
import { Rpc, ipcChannel } from "./rpc.js";
import { RuntimeError, type StepMsg, type StepResult } from "./protocol.js";

const ACTOR_MAIN = fileURLToPath(new URL("./actor.js", import.meta.url));
const DRIVER_MAIN = fileURLToPath(new URL("./driver.js", import.meta.url));

/**
 * A worker node's agent (format version 2): the raylet's part of a node. The
 * adapter forks one per `addNode`, in a process group of its own; every
 * process of the node is its child, in that group, so `killNode` (SIGKILL of
 * the agent, then of its group) takes the whole node down at once.
 *
 * - To the head (over its socket) it says which node it is, then serves the
 *   head's `spawn` (start an actor process, for the key the head gave it) and
 *   `kill`, and reports each child's exit (`exited` for an actor process,
 *   `driverExited` for a driver's job). The head sees the node die when this
 *   connection closes.
 * - To the adapter (over Node's IPC channel) it runs the drivers placed on
 *   the node: `driver` forks one, `driverStep` relays a step to it,
 *   `driverGone` answers once it has exited, `driverKill` kills it.
 *
 * It sends `{ready: true}` on IPC once the head knows the node. When the
 * adapter or the head goes away it kills its children and exits.
 *
 * Usage: forked as `node agent.js <head socket path> <node id>`.
 */

interface HostedDriver {
  readonly child: ChildProcess;
  readonly rpc: Rpc;
  readonly exited: Promise<void>;
  job: string | null;
}

async function main(): Promise<void> {
  const [socketPath, node] = process.argv.slice(2);
  if (socketPath === undefined || node === undefined || process.send === undefined) {
    process.stderr.write("usage: forked as node agent.js <head socket path> <node id>\n");
    process.exit(2);
  }
  const actors = new Map<string, ChildProcess>();
  const drivers = new Map<string, HostedDriver>();
  const stop = (): never => {
    for (const c of actors.values()) c.kill("SIGKILL");
    for (const d of drivers.values()) d.child.kill("SIGKILL");
    process.exit(0);
  };
  const adapter = new Rpc(ipcChannel(process));
  adapter.onClose(stop);
  if (!process.connected) stop(); // the adapter went away before this agent got going

  const head = await connectHead(socketPath);
  head.onClose(stop);
  const report = (method: string, params: object): void => void head.request(method, params).catch(() => undefined);
  head.serve(async (method, p) => {
    const key = String(p.key);
    if (method === "spawn") {
      const child = spawn(process.execPath, [ACTOR_MAIN, socketPath, JSON.stringify(p.spec)], { stdio: ["ignore", "ignore", "inherit"] });
      actors.set(key, child);
      child.on("exit", (code) => {
        actors.delete(key);
        report("exited", { key, code });
      });
      child.on("error", (e) => process.stderr.write(`agent ${node}: cannot start actor ${key}: ${e.message}\n`));
      return {};
    }
    if (method === "kill") {
      actors.get(key)?.kill("SIGKILL");
      return {};
    }
    throw new RuntimeError("Internal", `a node agent does not serve ${method}`);
  });

  adapter.serve(async (method, p) => {
    const label = String(p.label);
    if (method === "driver") {
      if (drivers.has(label)) throw new RuntimeError("Internal", `driver ${label} exists already on node ${node}`);
      const child = fork(DRIVER_MAIN, [socketPath, node], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
      const d: HostedDriver = { child, rpc: new Rpc(ipcChannel(child)), exited: new Promise((resolve) => child.once("exit", () => resolve())), job: null };
      drivers.set(label, d);
      void d.exited.then(() => {
        if (d.job !== null) report("driverExited", { job: d.job });
      });
      return {};
    }
    const d = drivers.get(label);
    if (d === undefined) throw new RuntimeError("Internal", `no driver ${label} on node ${node}`);
    switch (method) {
      case "driverStep": {
        const step = p.step as StepMsg;
        const r = await d.rpc.request<StepResult>("step", { step }, `driver ${label} died during ${step.do}`);
        if (step.do === "init") d.job = r.job ?? null;
        return r;
      }
      case "driverGone":
        await d.exited;
        drivers.delete(label);
        return {};
      case "driverKill":
        d.child.kill("SIGKILL");
        return {};
      default: throw new RuntimeError("Internal", `a node agent does not serve ${method}`);
    }
  });

  await head.request("node", { node });
  process.send({ ready: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`agent: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
