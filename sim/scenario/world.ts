import { answerOf, type Observation } from "../../model/index.js";
import type { Store } from "../store.js";
import type { Labels } from "./command.js";

/**
 * One possible history of a scenario so far: the event-sourced store and the
 * labels bound in it. After a parallel block there may be several.
 */
export interface World {
  readonly store: Store;
  readonly labels: Labels;
}

/**
 * Label tables without a prototype, so any label a file uses (`toString`,
 * `__proto__`) is just a key: merges the given tables, later ones winning.
 */
export function labelTable(...parts: Labels[]): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const part of parts) for (const k of Object.keys(part)) out[k] = part[k];
  return out;
}

/** The observation that answers a caller's step among those an event produced. */
export function answerFor(observations: readonly Observation[], caller: string | null): Observation | undefined {
  return answerOf(observations, caller);
}

/** Why an id cannot be bound to a new label, or null if it can. */
export function alreadyNamed(labels: Labels, id: string): string | null {
  for (const [label, bound] of Object.entries(labels)) if (bound === id) return `already labelled '${label}'`;
  return null;
}
