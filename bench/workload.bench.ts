import { stopAllTargets } from "../adapters/process.js";
import type { StepRequest, StepResult } from "../adapters/protocol.js";
import { TargetRefusedError, type Target } from "../adapters/target.js";
import { InputError } from "../cli/errors.js";
import { parseTarget, startTarget, type TargetSpec } from "../cli/targets.js";
import { DEFAULT_PROFILE } from "../model/profile.js";

/**
 * `npm run bench:workload -- [--target T[,T2…]] [--rounds N]`: the same
 * named-actor workload on any implementation through the adapter protocol
 * (the Node runtime, real Ray 2.60.0, any Ray release as `ray@VERSION`,
 * installed in the per-user cache on first use, or `cmd:<command>`). One
 * driver repeats a round of four operations: create a named Counter, get it
 * by name, call incr() on it, kill it (the next round reuses the name once the
 * kill is processed: each round settles). Prints operations per second, and
 * the ratio of the first target to each other one. A Ray release is reset
 * under the profile the model's table gives it.
 */
const USAGE = "usage: npm run bench:workload -- [--target node|ray|ray@VERSION|cmd:<command>[,…]] [--rounds N]";
const args = process.argv.slice(2);
function flag(name: string, fallback: string): string {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = args[i + 1];
  if (value === undefined || value.startsWith("--")) throw new InputError(`${name} needs a value\n${USAGE}`);
  return value;
}

async function ok(target: Target, request: StepRequest): Promise<StepResult> {
  const reply = await target.step(request);
  if (!reply.ok) throw new Error(`${target.description}: ${request.do} failed: ${JSON.stringify(reply.error)}`);
  return reply.result;
}

interface Measured { readonly label: string; readonly version: string; readonly ops: number; readonly seconds: number }

async function workload(spec: Extract<TargetSpec, { kind: "process" }>, rounds: number): Promise<Measured> {
  const target = startTarget(spec, 120_000);
  try {
    const profile = spec.profile ?? DEFAULT_PROFILE;
    const { version, profiles } = await target.hello();
    if (profiles.length > 0 && !profiles.includes(profile)) throw new TargetRefusedError(`the target ${target.description} does not implement profile ${profile} (its hello lists ${profiles.join(", ")})`);
    await target.reset(profile);
    const d = { driver: "d1" };
    await ok(target, { caller: d, do: "init", namespace: "bench" });
    let started = 0;
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
    return { label: spec.label, version, ops: rounds * 4, seconds: (performance.now() - started) / 1000 };
  } finally {
    await target.close();
  }
}

async function main(): Promise<number> {
  const rounds = Number(flag("--rounds", "50"));
  if (!Number.isInteger(rounds) || rounds < 1) throw new InputError(`--rounds must be a whole number of at least 1, got '${flag("--rounds", "50")}'\n${USAGE}`);
  const specs = flag("--target", "node").split(",").map((t) => {
    const spec = parseTarget(t.trim());
    if (spec.kind !== "process") throw new InputError(`--target ${t}: the workload runs on an implementation (node, ray, ray@VERSION or cmd:…), not the model`);
    return spec;
  });
  const results: Measured[] = [];
  for (const spec of specs) {
    const m = await workload(spec, rounds);
    results.push(m);
    const name = m.label === `ray@${m.version}` ? m.label : `${m.label} (${m.version})`;
    console.log(`${name.padEnd(20)} ${m.ops} operations (create, get, call, kill; settled each round) in ${m.seconds.toFixed(2)} s: ${(m.ops / m.seconds).toFixed(1)} operations/s`);
  }
  const [first, ...rest] = results;
  for (const other of rest) console.log(`ratio ${first!.label}/${other.label} = ${((first!.ops / first!.seconds) / (other.ops / other.seconds)).toFixed(2)}`);
  return 0;
}

process.on("exit", stopAllTargets);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(signal === "SIGINT" ? 130 : 143));
try {
  process.exitCode = await main();
} catch (e) {
  console.error(`bench:workload: ${(e as Error).message}`);
  process.exitCode = e instanceof InputError || e instanceof TargetRefusedError ? 2 : 1;
}
