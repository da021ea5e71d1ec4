import { ALL_METHODS } from "../../model/index.js";
import { ScenarioError } from "./error.js";
import { isParallel, type NamespaceRef, type Scenario, type Step, type StepPath } from "./types.js";

/**
 * What the label rules need to know at a point of the file: which drivers
 * exist (and whether they exited), which actor labels are bound, and which
 * actor labels each caller holds.
 */
interface Scope {
  readonly drivers: Map<string, "running" | "exited">;
  readonly actors: Set<string>;
  readonly held: Map<string, Set<string>>;
  /** Worker node labels bound by addNode (version 2); "head" is always there. */
  readonly nodes: Set<string>;
}

function cloneScope(s: Scope): Scope {
  return {
    drivers: new Map(s.drivers),
    actors: new Set(s.actors),
    held: new Map([...s.held].map(([k, v]) => [k, new Set(v)])),
    nodes: new Set(s.nodes),
  };
}

/** Operations of the environment, not of a caller: they have no `by`. */
const ENVIRONMENT_OPS: readonly string[] = ["crash", "addNode", "killNode", "drainNode", "stopGcs", "startGcs", "restartGcs"];

/** The GCS operations (version 2): plain steps only, never inside a parallel block. */
const GCS_OPS: readonly string[] = ["stopGcs", "startGcs", "restartGcs"];
/** What a file may do while the GCS is stopped: what goes on without it (Ray blocks the rest until it is back). */
const WITHOUT_GCS: readonly string[] = ["call", "kill", "drop", "exit", "crash", "startGcs"];

const EXPECT_FITS: Record<string, readonly string[]> = {
  actor: ["create", "get"],
  value: ["call"],
  names: ["list"],
  state: ["state"],
  node: ["placement"],
  drain: ["drainNode"],
  cause: ["deathCause"],
  error: ["init", "create", "get", "call", "kill", "drop", "exit", "list", "state", "deathCause", "placement"],
};

/**
 * The rules of labels (docs/scenario-format.md "Steps", "Invalid scenarios"): a label
 * names one driver or actor for the whole file; a caller uses an actor label
 * only while it holds it; no steps by a driver that exited; `init` of a new
 * label only. Returns every problem found.
 */
export function checkLabels(file: string, scenario: Scenario): ScenarioError[] {
  const problems: ScenarioError[] = [];
  let scope: Scope = { drivers: new Map(), actors: new Set(), held: new Map(), nodes: new Set() };
  scenario.steps.forEach((item, index) => {
    if (!isParallel(item)) {
      checkStep(file, scope, item, { index }, problems, null);
      return;
    }
    const before = scope;
    const blockLabels = new Set<string>();
    const callers = new Set<string>();
    const after = cloneScope(before);
    item.parallel.forEach((list, l) => {
      const own = cloneScope(before);
      const by = list.find((s) => s.by !== undefined)?.by;
      list.forEach((step, p) => {
        const path = { index, list: l, position: p };
        if (step.by !== undefined && step.by !== by) problems.push(new ScenarioError(file, `every step of a parallel list has the same caller ('${by}')`, path, "by"));
        checkStep(file, own, step, path, problems, blockLabels);
      });
      if (by !== undefined) {
        if (callers.has(by)) problems.push(new ScenarioError(file, `'${by}' already has a list in this parallel block`, { index, list: l, position: 0 }, "by"));
        callers.add(by);
      }
      merge(after, own, by);
    });
    scope = after;
  });
  problems.push(...checkGcs(file, scenario));
  return problems;
}

/**
 * The rules of the GCS (version 2): it is stopped, then started; while it is
 * stopped only what goes on without it may run; a file does not end with it
 * stopped; after a restart without persistence (no `gcsStorage: "redis"`)
 * the drivers and actors of the lost cluster are gone, and no step names them.
 */
function checkGcs(file: string, scenario: Scenario): ScenarioError[] {
  const problems: ScenarioError[] = [];
  let downSince: number | null = null;
  const seen = new Set<string>();
  const lost = new Map<string, number>();
  const persistent = scenario.gcsStorage === "redis";
  // Caller → the actors it has called since they last started (a crash or a kill ends that): while the GCS is
  // stopped a caller reaches only those (it learns an actor's address from the GCS: seen on Ray 2.60.0).
  const called = new Map<string, Set<string>>();
  const crashedWhileDown = new Set<string>();
  scenario.steps.forEach((item, index) => {
    const steps = isParallel(item) ? item.parallel.flatMap((list, l) => list.map((step, p) => ({ step, path: { index, list: l, position: p } as StepPath }))) : [{ step: item, path: { index } as StepPath }];
    for (const { step, path } of steps) {
      const problem = (detail: string, field: string): void => void problems.push(new ScenarioError(file, detail, path, field));
      for (const [field, label] of [["by", step.by], ["actor", step.actor]] as const) {
        if (label !== undefined && lost.has(label)) problem(`'${label}' was lost with the cluster when the GCS restarted without persistence at steps[${lost.get(label)}] (give the file "gcsStorage": "redis" to keep it)`, field);
      }
      for (const label of [step.by, step.as, step.actor]) if (label !== undefined) seen.add(label);
      if (isParallel(item) && GCS_OPS.includes(step.do)) problem(`${step.do} is a step of its own, not part of a parallel block`, "do");
      if (downSince !== null && step.do === "call" && step.by !== undefined && step.actor !== undefined) {
        if (crashedWhileDown.has(step.actor)) problem(`'${step.actor}' crashed while the GCS is stopped (since steps[${downSince}]): Ray answers a call to it with ActorUnavailableError, which the model does not say; call it after startGcs`, "actor");
        else if (!called.get(step.by)?.has(step.actor)) problem(`'${step.by}' has not called '${step.actor}' since it started, and the GCS is stopped (since steps[${downSince}]): Ray blocks the call until the GCS is back (the caller learns the actor's address from it); call it once before stopGcs`, "actor");
      }
      if (step.do === "call" && step.by !== undefined && step.actor !== undefined && downSince === null) {
        if (!called.has(step.by)) called.set(step.by, new Set());
        called.get(step.by)!.add(step.actor);
      }
      if ((step.do === "crash" || step.do === "kill") && step.actor !== undefined) {
        for (const set of called.values()) set.delete(step.actor);
        if (step.do === "crash" && downSince !== null) crashedWhileDown.add(step.actor);
      }
      if (downSince !== null && !WITHOUT_GCS.includes(step.do)) {
        problem(`${step.do} needs the GCS, which is stopped since steps[${downSince}]: Ray blocks it until the GCS is back (only ${WITHOUT_GCS.filter((o) => o !== "startGcs").join(", ")} go on without it); put it after a startGcs`, "do");
      }
      if (step.do === "stopGcs" || step.do === "restartGcs") {
        if (downSince !== null) problem(`the GCS is already stopped (since steps[${downSince}])`, "do");
        else if (step.do === "stopGcs") downSince = index;
      }
      if (step.do === "startGcs") {
        if (downSince === null) problem("the GCS is running: startGcs follows a stopGcs", "do");
        downSince = null;
        crashedWhileDown.clear();
      }
      if ((step.do === "startGcs" || step.do === "restartGcs") && !persistent) for (const label of seen) if (!lost.has(label)) lost.set(label, index);
    }
  });
  if (downSince !== null) problems.push(new ScenarioError(file, `the file ends with the GCS stopped (since steps[${downSince}]): start it again with startGcs`, { index: downSince }, "do"));
  return problems;
}

/** Brings a list's effects into the scope after the block: new labels, exits, and what its own caller holds. */
function merge(into: Scope, from: Scope, caller: string | undefined): void {
  for (const [d, s] of from.drivers) if (s === "exited" || !into.drivers.has(d)) into.drivers.set(d, s);
  for (const a of from.actors) into.actors.add(a);
  for (const n of from.nodes) into.nodes.add(n);
  if (caller !== undefined && from.held.has(caller)) into.held.set(caller, from.held.get(caller) as Set<string>);
}

function checkStep(file: string, scope: Scope, step: Step, path: StepPath, problems: ScenarioError[], blockLabels: Set<string> | null): void {
  const problem = (detail: string, field?: string): void => {
    problems.push(new ScenarioError(file, detail, path, field));
  };
  const known = (label: string): boolean => scope.drivers.has(label) || scope.actors.has(label) || scope.nodes.has(label) || label === "head";
  const by = step.by;
  // The caller.
  if (step.do === "init") {
    if (known(by as string)) problem(`init of '${by}', a label that already names a ${scope.drivers.has(by as string) ? "driver" : "actor"}`, "by");
  } else if (by !== undefined) {
    if (!known(by)) problem(`unknown caller '${by}': a driver is started by its own init; an actor label is bound by a create or get`, "by");
    else if (scope.drivers.get(by) === "exited") problem(`'${by}' is a driver that has exited`, "by");
  }
  // Namespace references.
  const checkNamespace = (ns: NamespaceRef | undefined, field: string): void => {
    if (ns !== undefined && typeof ns === "object" && !scope.drivers.has(ns.of)) problem(`{ "of": "${ns.of}" } names no driver started before this step`, field);
  };
  checkNamespace(step.namespace, "namespace");
  if (step.expect !== undefined && "names" in step.expect) {
    const all = step.allNamespaces === true;
    step.expect.names.forEach((n, i) => {
      if (typeof n === "object") checkNamespace(n.namespace, `expect.names.${i}.namespace`);
      if (all && typeof n !== "object") problem(`with allNamespaces, list returns { "name", "namespace" } objects`, `expect.names.${i}`);
      if (!all && typeof n === "object") problem("without allNamespaces, list returns plain names (strings)", `expect.names.${i}`);
    });
  }
  // The actor operated on.
  if (step.actor !== undefined) {
    if (!scope.actors.has(step.actor)) problem(`'${step.actor}' is not a bound actor label (bind it with "as" first)`, "actor");
    else if (step.do !== "crash" && by !== undefined && !scope.held.get(by)?.has(step.actor)) {
      problem(`'${by}' holds no handle to '${step.actor}' here (it gets one from its own create or get bound by "as" or "expect.actor")`, "actor");
    }
  }
  // Nodes (version 2).
  if (step.node !== undefined) {
    const n = step.node;
    if (step.do === "addNode") {
      if (known(n)) problem(n === "head" ? `'head' names the head node; addNode binds a new label` : `'${n}' is already a label; addNode binds a new one`, "node");
    } else if (n === "head") {
      if (step.do === "killNode" || step.do === "drainNode") problem("the head node cannot be killed or drained: its death ends the cluster, which rollcall does not model (no GCS fault tolerance)", "node");
      if (step.do === "create") problem(`actors are placed on worker nodes; without "node", an actor runs on the head only while the cluster has no worker node`, "node");
    } else if (!scope.nodes.has(n)) problem(`'${n}' is not a node label (bind one with addNode first; the head is 'head')`, "node");
  }
  if (step.soft !== undefined && step.node === undefined) problem(`"soft" qualifies a node affinity: give "node" too`, "soft");
  // A constructor that always exits, restarted without end, never settles.
  if (step.initFails === "exit" && step.maxRestarts === -1) problem(`a constructor that always exits with unlimited restarts (maxRestarts -1) restarts forever: the cluster never settles; give a bound`, "initFails");
  if (step.expect !== undefined && "node" in step.expect && step.expect.node !== "head" && !scope.nodes.has(step.expect.node)) {
    problem(`'${step.expect.node}' is not a node label (bind one with addNode first; the head is 'head')`, "expect.node");
  }
  if (step.method !== undefined && !ALL_METHODS.includes(step.method)) problem(`unknown method '${step.method}' (Counter: incr, value; Greeter: say_hello)`, "method");
  // Expectations.
  const expect = step.expect;
  if (expect !== undefined) {
    const kind = Object.keys(expect)[0];
    if (!EXPECT_FITS[kind].includes(step.do)) problem(`a ${step.do} step cannot expect ${kind}`, `expect.${kind}`);
    if ("actor" in expect && !scope.actors.has(expect.actor)) problem(`'${expect.actor}' is not a bound actor label; to bind a new one use "as"`, "expect.actor");
    if (step.as !== undefined) problem(`"as" needs the step to succeed with a new actor, so it cannot go with an expectation`, "expect");
  }
  // Bindings and their effects.
  const hold = (caller: string, label: string): void => {
    if (!scope.held.has(caller)) scope.held.set(caller, new Set());
    scope.held.get(caller)?.add(label);
  };
  if (step.as !== undefined) {
    if (known(step.as) && !(blockLabels?.has(step.as) ?? false)) problem(`'${step.as}' is already a label; "as" binds a new one`, "as");
    scope.actors.add(step.as);
    blockLabels?.add(step.as);
    if (by !== undefined) hold(by, step.as);
  }
  if (expect !== undefined && "actor" in expect && by !== undefined && scope.actors.has(expect.actor)) hold(by, expect.actor);
  if (step.do === "init" && by !== undefined && !(expect !== undefined && "error" in expect)) scope.drivers.set(by, "running");
  if (step.do === "drop" && by !== undefined && step.actor !== undefined) scope.held.get(by)?.delete(step.actor);
  if (step.do === "exit" && by !== undefined && scope.drivers.has(by)) scope.drivers.set(by, "exited");
  if (step.do === "addNode" && step.node !== undefined) scope.nodes.add(step.node);
  if (!ENVIRONMENT_OPS.includes(step.do) && by === undefined) problem("missing the caller", "by");
}
