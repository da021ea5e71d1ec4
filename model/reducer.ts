import { produce, setAutoFreeze } from "immer";
import type { ModelEvent } from "./event.js";
import { noEffects, type D, type Effects } from "./effects.js";
import type { Observation } from "./observation.js";
import type { RuleId } from "./rules.js";
import type { State } from "./state.js";
import type { Ledger } from "./ledger.js";
import { init } from "./cases/init.js";
import { continueCreate, create } from "./cases/create.js";
import { get, list, stateQuery } from "./cases/lookup.js";
import { call, continueCall, drop, kill, killProcessed } from "./cases/handles.js";
import { constructed, crashed, exit, lineageReleased, outOfScope, ownerDeathProcessed, scheduled } from "./cases/lifetime.js";

// States are never mutated after they are made (the store and explorer rely on
// it), so freezing every one is pure cost on the simulator's hot path.
setAutoFreeze(false);

/**
 * Applies one event to a mutable draft of the state: one small case per event
 * type. This is the single place the model's semantics are decided; `reduce`
 * and `transition` wrap it in immer.
 */
export function apply(d: D, event: ModelEvent, fx: Effects): void {
  switch (event.type) {
    case "init": return init(d, event, fx);
    case "create": return create(d, event, fx);
    case "continue": {
      const inflight = d.inflight[event.caller];
      if (inflight === undefined) throw new Error(`continue: ${event.caller} has no command in flight`);
      return inflight.op === "call" ? continueCall(d, event.caller, inflight, fx) : continueCreate(d, event.caller, inflight, fx);
    }
    case "get": return get(d, event, fx);
    case "call": return call(d, event, fx);
    case "kill": return kill(d, event, fx);
    case "drop": return drop(d, event, fx);
    case "exit": return exit(d, event, fx);
    case "list": return list(d, event, fx);
    case "state": return stateQuery(d, event, fx);
    case "actor.scheduled": return scheduled(d, event.actor, fx);
    case "actor.created": return constructed(d, event.actor, false, fx);
    case "actor.restarted": return constructed(d, event.actor, true, fx);
    case "kill.processed": return killProcessed(d, event.actor, event.noRestart, fx);
    case "owner.death.processed": return ownerDeathProcessed(d, event.actor, fx);
    case "actor.out_of_scope": return outOfScope(d, event.actor, fx);
    case "lineage.released": return lineageReleased(d, event.actor, fx);
    case "actor.crashed": return crashed(d, event.actor, fx);
    default: throw new Error(`unknown event type ${JSON.stringify((event as { type: unknown }).type)}`);
  }
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
