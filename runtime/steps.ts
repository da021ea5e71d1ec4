import type { Client } from "./client.js";
import { RuntimeError, type StepMsg, type StepResult } from "./protocol.js";

/**
 * Runs one scenario step with the client library: the code a driver runs, and
 * the code an actor runs when a step is `by` it. `init` and `exit` belong to
 * whoever hosts the client (driver.ts, actor.ts) and are not handled here.
 */
export async function runStep(client: Client, step: StepMsg): Promise<StepResult> {
  switch (step.do) {
    case "create": {
      const cls = client.actorClass(String(step.class)).options({
        name: step.name, namespace: step.namespace, lifetime: step.lifetime, getIfExists: step.getIfExists, maxRestarts: step.maxRestarts,
        node: step.node, soft: step.soft, initFails: step.initFails,
      });
      return { handle: (await cls.remote(...(step.args ?? []))).id };
    }
    case "get":
      return { handle: (await client.getActor(String(step.name), step.namespace)).id };
    case "call":
      return { value: await heldHandle(client, step).call(String(step.method), ...(step.args ?? [])) };
    case "kill":
      await client.kill(heldHandle(client, step), { noRestart: step.noRestart });
      return {};
    case "drop":
      await client.drop(String(step.actor));
      return {};
    case "list":
      return { names: await client.listNamedActors(step.allNamespaces === true) };
    case "state":
      return { state: await client.actorState(String(step.actor)) };
    case "deathCause":
      return { cause: await client.deathCause(String(step.actor)) };
    case "placement":
      return { node: await client.placement(String(step.actor)) };
    default:
      throw new RuntimeError("Internal", `this caller cannot run a ${step.do} step`);
  }
}

/** The handle the caller holds to the step's actor; like Ray, a caller cannot use an actor it holds no handle to. */
function heldHandle(client: Client, step: StepMsg): NonNullable<ReturnType<Client["handle"]>> {
  const h = client.handle(String(step.actor));
  if (h === undefined) throw new RuntimeError("InvalidArgument", `Failed to find a corresponding actor handle for ${step.actor}`);
  return h;
}
