import type { ModelEvent } from "../event.js";
import type { Observation } from "../observation.js";
import type { State } from "../state.js";

/** One step of a run as laws see it: the state before, the event, the state after, what callers saw. */
export interface Step {
  readonly before: State;
  readonly event: ModelEvent;
  readonly after: State;
  readonly observations: readonly Observation[];
  /** True when no internal event is enabled in `after`: the cluster has settled. */
  readonly settled: boolean;
}

/**
 * A law: a name, one plain sentence, a safety predicate over steps (a
 * violation message, or null) and a reachability companion that says the
 * law's interesting case happened at all, so the law cannot pass vacuously.
 */
export interface Law {
  readonly name: string;
  readonly sentence: string;
  /** Null when the step keeps the law, otherwise what went wrong. */
  check(step: Step): string | null;
  /** The companion: true on a step where the law's interesting case happens. */
  reached(step: Step): boolean;
  /** What the companion looks for, in words. */
  readonly companion: string;
}
