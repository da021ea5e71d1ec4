import { parseTarget, startTarget } from "../cli/targets.js";
import type { StepRequest, StepResult } from "../adapters/protocol.js";
import type { Target } from "../adapters/target.js";

/**
 * `npm run bench:workload -- [--target T] [--rounds N]`: the same named-actor
 * workload on any implementation through the adapter protocol (the Node
 * runtime, real Ray, the model served over the protocol). One driver repeats a
 * round of four operations: create a named Counter, get it by name, call
 * incr() on it, kill it (the next round reuses the name once the kill is
 * processed: each round settles). Prints operations per second.
 */
const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const targets = flag("--target", "node").split(",");
const rounds = Number(flag("--rounds", "50"));

async function ok(target: Target, request: StepRequest): Promise<StepResult> {
  const reply = await target.step(request);
  if (!reply.ok) throw new Error(`${request.do} failed: ${JSON.stringify(reply.error)}`);
  return reply.result;
}

let started = 0;

async function workload(name: string): Promise<{ ops: number; seconds: number }> {
  const spec = parseTarget(name);
  if (spec.kind !== "process") throw new Error("the workload runs on a real implementation (--target node, ray or cmd:…)");
  const target = startTarget(spec, 120_000);
  try {
    await target.hello();
    await target.reset("ray");
    const d = { driver: "d1" };
    await ok(target, { caller: d, do: "init", namespace: "bench" });
    // One warm-up round (process pools, imports), not timed.
    for (let r = 0; r <= rounds; r++) {
      if (r === 1) started = performance.now();
      const created = await ok(target, { caller: d, do: "create", class: "Counter", name: "c", lifetime: "detached" });
      const actor = created.handle as string;
      await ok(target, { caller: d, do: "get", name: "c" });
      await ok(target, { caller: d, do: "call", actor, method: "incr" });
      await ok(target, { caller: d, do: "kill", actor });
      await target.settle();
    }
    return { ops: rounds * 4, seconds: (performance.now() - started) / 1000 };
  } finally {
    await target.close();
  }
}

const results: Record<string, number> = {};
for (const t of targets) {
  const { ops, seconds } = await workload(t);
  results[t] = ops / seconds;
  console.log(`${t.padEnd(8)} ${ops} operations (create, get, call, kill; settled each round) in ${seconds.toFixed(2)} s: ${(ops / seconds).toFixed(1)} operations/s`);
}
if (targets.length === 2) console.log(`ratio ${targets[0]}/${targets[1]} = ${(results[targets[0]!]! / results[targets[1]!]!).toFixed(2)}`);
