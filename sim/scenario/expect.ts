import { canonicalJson, HEAD, type Result } from "../../model/index.js";
import type { Labels } from "./command.js";
import type { NamespaceRef, Step } from "./types.js";

/** Why a step's outcome did not meet the file's expectation. */
export interface Mismatch {
  readonly expected: string;
  readonly observed: string;
}

/** The label that names a model id, or a description of an unnamed one. */
export function nameOf(id: string, labels: Labels, what = "actor"): string {
  for (const [label, bound] of Object.entries(labels)) if (bound === id) return `'${label}'`;
  return `an unlabelled ${what} (${id})`;
}

/** A result in words, with labels for the ids the scenario knows. */
export function describeResult(result: Result, labels: Labels): string {
  switch (result.kind) {
    case "driver": return `driver started in namespace ${result.namespace}`;
    case "handle": return `a handle to ${nameOf(result.actor, labels)}`;
    case "value": return `value ${canonicalJson(result.value)}`;
    case "error": return `error ${result.error}: ${result.message}`;
    case "names": return `names ${canonicalJson(result.names)}`;
    case "state": return `state ${result.state}`;
    case "node": return result.node === null ? "on no node" : `on node ${result.node === HEAD ? "'head'" : nameOf(result.node, labels, "node")}`;
    case "drain": return `drain ${result.accepted ? "accepted" : "rejected"}`;
    case "cause": return `death cause ${result.cause ?? "none (not DEAD)"}`;
    case "ok": return "ok";
  }
}

/**
 * Checks a step's result against its expectation (docs/scenario-format.md
 * "Expectations"); `namespaceOf` resolves `{ "of": d }` references;
 * `bindable` says whether an id may be bound to a new `as` label. Returns
 * null when it holds. Shared by the model runner and real targets.
 */
export function checkExpectation(step: Step, result: Result, labels: Labels, namespaceOf: (ref: NamespaceRef | undefined) => string | undefined, bindable: (id: string) => string | null): Mismatch | null {
  // Described only when it does not hold: naming an id looks through the labels.
  const described = (): string => describeResult(result, labels);
  const expect = step.expect;
  if (expect === undefined) {
    if (result.kind === "error") return { expected: "success", observed: described() };
    if (step.as !== undefined && result.kind === "handle") {
      const why = bindable(result.actor);
      if (why !== null) return { expected: `a handle to a new actor for '${step.as}'`, observed: `${described()}, ${why}` };
    }
    return null;
  }
  if ("error" in expect) {
    return result.kind === "error" && result.error === expect.error ? null : { expected: `error ${expect.error}`, observed: described() };
  }
  if ("actor" in expect) {
    return result.kind === "handle" && labels[expect.actor] === result.actor ? null : { expected: `a handle to '${expect.actor}'`, observed: described() };
  }
  if ("value" in expect) {
    return result.kind === "value" && canonicalJson(result.value) === canonicalJson(expect.value) ? null : { expected: `value ${canonicalJson(expect.value)}`, observed: described() };
  }
  if ("state" in expect) {
    return result.kind === "state" && result.state === expect.state ? null : { expected: `state ${expect.state}`, observed: described() };
  }
  if ("node" in expect) {
    // The head node is named "head" in every file and by every implementation.
    return result.kind === "node" && result.node === (expect.node === HEAD ? HEAD : labels[expect.node]) ? null : { expected: `on node '${expect.node}'`, observed: described() };
  }
  if ("drain" in expect) {
    return result.kind === "drain" && result.accepted === (expect.drain === "accepted") ? null : { expected: `drain ${expect.drain}`, observed: described() };
  }
  if ("cause" in expect) {
    return result.kind === "cause" && result.cause === expect.cause ? null : { expected: `death cause ${expect.cause ?? "none (not DEAD)"}`, observed: described() };
  }
  const wanted = expect.names.map((n) => (typeof n === "string" ? n : canonicalJson({ name: n.name, namespace: namespaceOf(n.namespace) ?? "" })));
  const expected = `names [${wanted.join(", ")}] in any order`;
  if (result.kind !== "names") return { expected, observed: described() };
  const got = result.names.map((n) => (typeof n === "string" ? n : canonicalJson({ name: n.name, namespace: n.namespace })));
  return sameMultiset(wanted, got) ? null : { expected, observed: described() };
}

function sameMultiset(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((v, i) => v === y[i]);
}
