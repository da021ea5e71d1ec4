import { ruleSource, ruleText, selectActor, selectJob, type RuleId, type State } from "../model/index.js";
import { labelOf } from "./describe.js";

type Labels = Readonly<Record<string, string>>;

/** An actor in a learner's words: `'c' (Counter 'CounterActor')`. */
export function actorPhrase(state: State, id: string, labels: Labels): string {
  const a = selectActor(state, id);
  const label = labelOf(id, labels);
  const named = a.name === null ? "unnamed" : `'${a.name}'`;
  return `${label === id ? `actor ${id}` : `'${label}'`} (${a.cls} ${named})`;
}

/**
 * What changed in the cluster between two states, in plain sentences: actors
 * created, restarted or dead (and why), names taken and freed, jobs finished.
 */
export function describeChanges(before: State, after: State, labels: Labels): string[] {
  const out: string[] = [];
  for (const id of [...Object.keys(after.jobs), ...Object.keys(after.finished)]) {
    const b = before.jobs[id] ?? before.finished[id];
    const a = selectJob(after, id);
    if (b === undefined) out.push(`driver ${labelOf(id, labels)} started; its job's namespace is '${a.namespace}'${a.anonymous ? " (anonymous)" : ""}`);
    else if (b.lifecycle !== a.lifecycle) out.push(`the job of ${labelOf(id, labels)} is ${a.lifecycle}`);
  }
  for (const id of [...Object.keys(after.actors), ...Object.keys(after.destroyed)]) {
    const b = before.actors[id] ?? before.destroyed[id];
    const a = selectActor(after, id);
    // Named only when something is said of it: a long log has hundreds of actors, most unchanged.
    let phrase: string | undefined;
    const who = (): string => (phrase ??= actorPhrase(after, id, labels));
    // Where it runs, once the cluster has worker nodes (format version 2).
    const on = (node: string | undefined): string => (node === undefined ? "" : ` on node ${labelOf(node, labels)}`);
    if (b === undefined) {
      out.push(`${who()} was registered${a.detached ? " as a detached actor" : `, owned by ${labelOf(a.owner?.caller ?? "", labels)}`}, in namespace '${a.namespace}'`);
      if (a.lifecycle !== "DEPENDENCIES_UNREADY") out.push(`${who()} is ${a.lifecycle}${a.lifecycle === "ALIVE" ? on(a.node) : ""}`);
      continue;
    }
    if (b.lifecycle === a.lifecycle && a.numRestarts > b.numRestarts) {
      out.push(`${who()} died and restarted (restart ${a.numRestarts} of ${a.maxRestarts === -1 ? "unlimited" : a.maxRestarts}): its constructor ran again with its original arguments`);
    }
    if (b.lifecycle !== a.lifecycle) {
      if (a.lifecycle === "DEAD") out.push(`${who()} is DEAD (${a.deathCause ?? "unknown cause"})`);
      else if (a.lifecycle === "RESTARTING") out.push(`${who()} is RESTARTING (restart ${a.numRestarts} of ${a.maxRestarts === -1 ? "unlimited" : a.maxRestarts})`);
      else if (a.lifecycle === "ALIVE" && b.lifecycle === "RESTARTING") out.push(`${who()} is ALIVE again${on(a.node)}: its constructor ran again with its original arguments`);
      else if (a.lifecycle === "ALIVE") out.push(`${who()} is ALIVE${on(a.node)}`);
    }
    if (before.actors[id] !== undefined && after.actors[id] === undefined) out.push(`${who()} was destroyed: the GCS forgot it`);
    if (b.lifecycle !== "DEAD" && a.lifecycle === "DEAD" && after.actors[id] !== undefined && a.name !== null && after.names[a.namespace]?.[a.name] === id) {
      out.push(`${who()} still holds its name '${a.name}' although it is DEAD`);
    }
  }
  for (const ns of new Set([...Object.keys(before.names), ...Object.keys(after.names)])) {
    const b = before.names[ns] ?? {};
    const a = after.names[ns] ?? {};
    for (const name of Object.keys(b)) {
      if (a[name] === undefined) out.push(`the name '${name}' in namespace '${ns}' is free again`);
      else if (a[name] !== b[name]) out.push(`the name '${name}' in namespace '${ns}' now belongs to '${labelOf(a[name], labels)}'`);
    }
    for (const name of Object.keys(a)) if (b[name] === undefined) out.push(`the name '${name}' in namespace '${ns}' is taken by '${labelOf(a[name], labels)}'`);
  }
  return out;
}

/** A rule as a learner reads it: the sentence and where it comes from. */
export function explainRule(rule: RuleId): string {
  return `${ruleText(rule)} [${ruleSource(rule)}]`;
}
