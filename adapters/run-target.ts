import { DEFAULT_PROFILE, ERROR_KINDS, HEAD, type ErrorKind, type ProfileName, type Result } from "../model/index.js";
import { checkExpectation } from "../sim/scenario/expect.js";
import { isParallel, type LoadedScenario, type ParallelBlock, type Step, type StepPath } from "../sim/scenario/types.js";
import type { StepFailure } from "../sim/scenario/run.js";
import type { Reply, StepRequest } from "./protocol.js";
import { TargetError, type Target, type VerdictKind } from "./target.js";

/** The outcome of a scenario on a real implementation. */
export interface TargetResult {
  readonly file: string;
  readonly title: string;
  readonly profile: ProfileName;
  readonly passed: boolean;
  readonly failure?: StepFailure;
  /** Set when the implementation misbehaved (timeout, death, broken protocol): the step and how. */
  readonly verdict?: { readonly kind: VerdictKind; readonly path: StepPath | null; readonly message: string };
  readonly seconds: number;
}

/** The scenario's labels as the implementation names them: drivers keep theirs; actors get handle ids. */
export class Bindings {
  readonly ids: Record<string, string> = Object.create(null) as Record<string, string>;
  readonly drivers = new Set<string>();
  readonly namespaces = new Map<string, string>();
  /** Node labels (format version 2) → the ids the implementation's addNode returned; "head" is itself. */
  readonly nodes = new Map<string, string>([[HEAD, HEAD]]);

  caller(label: string | undefined): StepRequest["caller"] {
    if (label === undefined) return undefined;
    return this.drivers.has(label) ? { driver: label } : { actor: this.ids[label] };
  }
}

/** Turns a scenario step into the protocol's request. */
export function toRequest(step: Step, b: Bindings): StepRequest {
  const { by, expect, as, actor, ...rest } = step;
  void expect;
  void as;
  const req: Record<string, unknown> = { ...rest };
  const caller = b.caller(by);
  if (caller !== undefined && step.do !== "crash") req.caller = caller;
  if (step.do === "init") req.caller = { driver: by };
  if (actor !== undefined) req.actor = b.ids[actor];
  if (step.do === "addNode") delete req.node; // the label it binds stays with rollcall
  else if (step.node !== undefined) req.node = b.nodes.get(step.node);
  return req as unknown as StepRequest;
}

/** A reply as the model's Result, so the same expectation checks apply. */
export function toResult(step: Step, reply: Reply): Result {
  if (!reply.ok) {
    const kind = reply.error.kind as ErrorKind;
    if (!ERROR_KINDS.includes(kind)) return { kind: "error", error: kind, message: `${reply.error.kind}: ${reply.error.message}` };
    return { kind: "error", error: kind, message: reply.error.message };
  }
  const r = reply.result ?? {};
  switch (step.do) {
    case "init": return { kind: "driver", job: step.by as string, namespace: String(r.namespace ?? "") };
    case "create":
    case "get": return r.handle === undefined ? { kind: "ok" } : { kind: "handle", actor: String(r.handle) };
    case "call": return { kind: "value", value: r.value ?? null };
    case "list": return { kind: "names", names: (r.names ?? []) as Extract<Result, { kind: "names" }>["names"] };
    case "state": return { kind: "state", state: r.state as Extract<Result, { kind: "state" }>["state"] };
    case "addNode":
    case "placement": return { kind: "node", node: r.node ?? null };
    case "drainNode": return { kind: "drain", accepted: r.accepted === true };
    case "deathCause": return { kind: "cause", cause: (r.cause ?? null) as Extract<Result, { kind: "cause" }>["cause"] };
    default: return { kind: "ok" };
  }
}

/**
 * Runs a checked scenario on an implementation through the adapter protocol:
 * each step is sent and answered, its expectation checked here, then the
 * cluster settles; the lists of a parallel block run at once. A misbehaving
 * implementation gives a verdict naming the step.
 */
export async function runOnTarget(loaded: LoadedScenario, target: Target, profileOverride?: ProfileName, b: Bindings = new Bindings()): Promise<TargetResult> {
  const { scenario, file } = loaded;
  const profile = profileOverride ?? (scenario.profile as ProfileName | undefined) ?? DEFAULT_PROFILE;
  const started = performance.now();
  const done = (extra: Partial<TargetResult>): TargetResult => ({
    file, title: scenario.title, profile, passed: extra.failure === undefined && extra.verdict === undefined, seconds: (performance.now() - started) / 1000, ...extra,
  });
  let path: StepPath | null = null;
  try {
    await target.reset(profile, scenario.gcsStorage);
    for (let index = 0; index < scenario.steps.length; index++) {
      const item = scenario.steps[index];
      path = { index };
      const failure = isParallel(item) ? await runBlock(item, index, target, b, (p) => (path = p)) : await runStep(item, { index }, target, b, new Map());
      if (failure !== null) return done({ failure });
      path = { index };
      await target.settle();
    }
    return done({});
  } catch (e) {
    if (e instanceof TargetError) return done({ verdict: { kind: e.verdict, path, message: e.message } });
    throw e;
  }
}

async function runStep(step: Step, path: StepPath, target: Target, b: Bindings, block: Map<string, string>): Promise<StepFailure | null> {
  const reply = await target.step(toRequest(step, b));
  const result = toResult(step, reply);
  const rule = null;
  if (result.kind === "error" && !ERROR_KINDS.includes(result.error)) {
    return { path, step, expected: step.expect === undefined ? "success" : JSON.stringify(step.expect), observed: `the implementation failed: ${result.message}`, rule };
  }
  const bindable = (id: string): string | null => {
    if (step.as !== undefined && block.has(step.as)) return block.get(step.as) === id ? null : `but another list bound '${step.as}' to ${block.get(step.as)}`;
    for (const [label, bound] of Object.entries(b.ids)) if (bound === id && label !== step.as) return `already labelled '${label}'`;
    return null;
  };
  const namespaceOf = (ref: Step["namespace"]): string | undefined => (ref === undefined || typeof ref === "string" ? ref : b.namespaces.get(ref.of));
  const labels = b.nodes.size === 1 ? b.ids : { ...b.ids, ...Object.fromEntries(b.nodes) };
  const mismatch = checkExpectation(step, result, labels, namespaceOf, bindable);
  if (mismatch !== null) return { path, step, ...mismatch, rule };
  if (step.do === "init" && result.kind === "driver") {
    b.drivers.add(step.by as string);
    b.namespaces.set(step.by as string, result.namespace);
  }
  if (step.do === "addNode" && result.kind === "node" && result.node !== null) b.nodes.set(step.node as string, result.node);
  if (step.as !== undefined && result.kind === "handle") {
    b.ids[step.as] = result.actor;
    block.set(step.as, result.actor);
  }
  return null;
}

/** The lists of a block at once, each list in order; the first failure (by list order) is reported. */
async function runBlock(block: ParallelBlock, index: number, target: Target, b: Bindings, at: (p: StepPath) => void): Promise<StepFailure | null> {
  const bound = new Map<string, string>();
  const failures = await Promise.all(
    block.parallel.map(async (list, l) => {
      for (let position = 0; position < list.length; position++) {
        const p = { index, list: l, position };
        at(p);
        const failure = await runStep(list[position], p, target, b, bound);
        if (failure !== null) return failure;
      }
      return null;
    }),
  );
  return failures.find((f) => f !== null) ?? null;
}
