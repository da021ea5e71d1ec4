import { init, type Client } from "./client.js";
import { Rpc, ipcChannel } from "./rpc.js";
import { runStep } from "./steps.js";
import { RuntimeError, type StepMsg } from "./protocol.js";

/**
 * A driver process: one per scenario driver, forked by the adapter (or, for
 * a driver on a worker node, by that node's agent, which relays the
 * adapter's steps), which sends it steps over Node's IPC channel. Its first step is `init` (it
 * connects to the head), its last may be `exit` (it disconnects and exits,
 * which ends its job). It exits too when the adapter goes away.
 *
 * Usage: forked as `node driver.js <head socket path> [<worker node id>]`.
 */
function main(): void {
  const socketPath = process.argv[2];
  const node = process.argv[3];
  if (socketPath === undefined || process.send === undefined) {
    process.stderr.write("usage: forked as node driver.js <head socket path>\n");
    process.exit(2);
  }
  let client: Client | null = null;
  const adapter = new Rpc(ipcChannel(process));
  adapter.serve(async (method, p) => {
    if (method !== "step") throw new RuntimeError("Internal", `a driver runs steps, not ${method}`);
    const step = p.step as StepMsg;
    if (step.do === "init") {
      if (client !== null) throw new RuntimeError("Internal", "this driver is already initialised");
      // When the head is gone, so is the cluster (under GCS fault tolerance: once the driver disconnects on purpose).
      client = await init(socketPath, { namespace: step.namespace, defaultLifetime: step.defaultLifetime, ...(node === undefined ? {} : { node }) }, () => process.exit(0));
      return { namespace: client.namespace, job: client.job };
    }
    if (client === null) throw new RuntimeError("Internal", "the driver has not run init");
    if (step.do === "exit") {
      // The reply goes out first; then the driver disconnects, and once the
      // connection is closed its process ends (see init above).
      const c = client;
      setImmediate(() => c.shutdown());
      return {};
    }
    return runStep(client, step);
  });
  adapter.onClose(() => process.exit(0));
}

main();
