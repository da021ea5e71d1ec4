import { produce, setAutoFreeze } from "immer";
import type { ModelEvent } from "./event.js";
import { noEffects, type D, type Effects } from "./effects.js";
import type { Observation } from "./observation.js";
import type { RuleId } from "./rules.js";
import type { State } from "./state.js";
import type { Ledger } from "./ledger.js";
import { applyEvent } from "./events/registry.js";

// States are never mutated after they are made (the store and explorer rely on
// it), so freezing every one is pure cost on the simulator's hot path.
setAutoFreeze(false);

/**
 * Applies one event to a mutable draft of the state: the event's own module
 * decides (model/events/*.ts, dispatched by model/events/registry.ts). This is
 * the single place the model's semantics are decided; `reduce` and
 * `transition` wrap it in immer.
 */
export function apply(d: D, event: ModelEvent, fx: Effects): void {
  applyEvent(d, event, fx);
}

/** The result of one transition: the next state, what callers saw, and the rules that decided. */
export interface Transition {
  readonly state: State;
  readonly observations: readonly Observation[];
  readonly rules: readonly RuleId[];
}

/** `(state, event) → next state` with its observations, like XState's pure `transition`. */
export function transition(state: State, event: ModelEvent): Transition {
  const fx = noEffects();
  const next = produce(state, (d) => apply(d, event, fx));
  return { state: next, observations: fx.observations, rules: fx.rules };
}

/**
 * Applies an event to a state the caller owns, changing it in place: the same
 * cases as `transition`, without immer's copies, for the simulator's hot path
 * (its store keeps private working copies). `reducer.test.ts` checks that both
 * agree on random programs.
 */
export function applyInPlace(state: State, event: ModelEvent, ledger?: Ledger): Omit<Transition, "state"> {
  const fx = noEffects();
  if (ledger === undefined) {
    apply(state as D, event, fx);
  } else {
    fx.ledger = ledger;
    ledger.before(state, event);
    apply(state as D, event, fx);
    ledger.after(state);
  }
  return { observations: fx.observations, rules: fx.rules };
}

/** Redux-style reducer: the next state only. */
export function reduce(state: State, event: ModelEvent): State {
  return transition(state, event).state;
}
