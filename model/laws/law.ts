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
 * A safety law (kind `always`): a name, one plain sentence, a predicate over
 * steps (a violation message, or null) and a reachability companion that says
 * the law's interesting case happened at all, so the law cannot pass vacuously.
 */
export interface Law {
  readonly kind: "always";
  readonly name: string;
  readonly sentence: string;
  /** Null when the step keeps the law, otherwise what went wrong. */
  check(step: Step): string | null;
  /** The companion: true on a step where the law's interesting case happens. */
  reached(step: Step): boolean;
  /** What the companion looks for, in words. */
  readonly companion: string;
}

/**
 * A liveness law (kind `eventually`): a leads-to over states, one obligation
 * instance at a time. `owed(state)` names what is owed in a state (instance
 * keys such as `kill:a3:no_restart:j1`); the law says that every instance owed
 * is eventually no longer owed, on every path that is weakly fair to the
 * cluster's internal events and to callers' commands in flight (a driver's new
 * operations and crashes are never forced). The companion, a predicate over
 * states, says the law's interesting case happened at all.
 */
export interface LivenessLaw {
  readonly kind: "eventually";
  readonly name: string;
  readonly sentence: string;
  /** The instance keys of what is owed in this state (each at most once). */
  owed(state: State): readonly string[];
  /** The companion: true in a state where the law's interesting case holds. */
  reached(state: State): boolean;
  /** What the companion looks for, in words. */
  readonly companion: string;
}

/** Either kind of law. */
export type AnyLaw = Law | LivenessLaw;
