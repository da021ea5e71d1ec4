import { createServer, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { Client, GCS_FT, HeadConnection, connectHead } from "./client.js";
import { Rpc, socketChannel } from "./rpc.js";
import { construct, invoke } from "./classes.js";
import { runStep } from "./steps.js";
import { RuntimeError, type ActorSpec, type StepMsg } from "./protocol.js";

/**
 * An actor process, spawned by the head for one incarnation of one actor. It
 * runs the class's constructor, then connects to the head and says hello (so
 * the head knows it is ALIVE). Over that one connection the head sends it
 * method calls (`invoke`) and steps to run as code inside the actor (`exec`),
 * and its own client library sends the head its requests, in the job of its
 * creator. It exits when the head goes away, and on `exit_actor()`.
 *
 * Under GCS fault tolerance it outlives the head: it connects again to the
 * restarted head and says hello once more (`rejoin`), and it also answers on
 * a Unix socket of its own (`a-<actor>-<incarnation>.sock` beside the
 * head's), where callers that called it before reach it while the GCS is
 * down, and where the adapter asks its pid (to crash it then) and runs code
 * inside it.
 *
 * Usage: spawned as `node actor.js <head socket path> <ActorSpec as JSON>`.
 */
async function main(): Promise<void> {
  const [socketPath, specJson] = process.argv.slice(2);
  if (socketPath === undefined || specJson === undefined) {
    process.stderr.write("usage: node actor.js <head socket path> <actor spec JSON>\n");
    process.exit(2);
  }
  const spec = JSON.parse(specJson) as ActorSpec;
  // A constructor that fails (format version 2's initFails): sys.exit(0) or (1) ends the process from inside it;
  // one that raises is a creation task error, which the process reports before it exits.
  if (spec.initFails === "exit" || spec.initFails === "exit0") process.exit(spec.initFails === "exit0" ? 0 : 1);
  if (spec.initFails === "raise") {
    const rpc = await connectHead(socketPath);
    await rpc.request("creationFailed", { actor: spec.actor, incarnation: spec.incarnation });
    process.exit(1);
  }
  const instance = construct(spec.cls, spec.args);
  const rpc = await connectHead(socketPath);
  const conn = new HeadConnection(socketPath, rpc, () => process.exit(0));
  const client = new Client(conn, spec.job, spec.namespace, spec.defaultLifetime);
  const serve = async (method: string, p: Record<string, unknown>): Promise<unknown> => {
    if (method === "invoke") return { value: invoke(instance, String(p.method)) };
    if (method === "pid") return { pid: process.pid };
    if (method !== "exec") throw new RuntimeError("Internal", `an actor does not serve ${method}`);
    const step = p.step as StepMsg;
    if (step.do === "exit") return exitActor(client);
    return runStep(client, step);
  };
  rpc.serve(serve);
  const direct = GCS_FT ? await listenDirect(join(dirname(socketPath), `a-${spec.actor}-${spec.incarnation}.sock`), serve) : null;
  const hello = { actor: spec.actor, incarnation: spec.incarnation, ...(direct === null ? {} : { direct }) };
  conn.rejoin = async (next, pending) => {
    next.serve(serve);
    await next.request("hello", { ...hello, rejoin: true, pending });
  };
  await rpc.request("hello", hello);
}

/** Serves the actor's own socket (GCS fault tolerance); resolves with its path once it listens. */
function listenDirect(path: string, serve: (method: string, p: Record<string, unknown>) => Promise<unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket: Socket) => void new Rpc(socketChannel(socket), serve));
    server.once("error", reject);
    server.listen(path, () => resolve(path));
  });
}

/** `exit_actor()`: tell the head it is on purpose, answer the step, then disconnect (which ends the process). */
async function exitActor(client: Client): Promise<object> {
  await client.request("exiting");
  setImmediate(() => client.shutdown());
  return {};
}

main().catch((e: unknown) => {
  process.stderr.write(`actor: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
