import { Client, connectHead } from "./client.js";
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
  const client = new Client(rpc, spec.job, spec.namespace, spec.defaultLifetime);
  rpc.onClose(() => process.exit(0));
  rpc.serve(async (method, p) => {
    if (method === "invoke") return { value: invoke(instance, String(p.method)) };
    if (method !== "exec") throw new RuntimeError("Internal", `an actor does not serve ${method}`);
    const step = p.step as StepMsg;
    if (step.do === "exit") return exitActor(client);
    return runStep(client, step);
  });
  await rpc.request("hello", { actor: spec.actor, incarnation: spec.incarnation });
}

/** `exit_actor()`: tell the head it is on purpose, answer the step, then disconnect (which ends the process). */
async function exitActor(client: Client): Promise<object> {
  await client.rpc.request("exiting");
  setImmediate(() => client.shutdown());
  return {};
}

main().catch((e: unknown) => {
  process.stderr.write(`actor: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
