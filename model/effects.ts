import type { Draft } from "immer";
import type { Observation, Result } from "./observation.js";
import type { RuleId } from "./rules.js";
import type { State } from "./state.js";
import type { Ledger } from "./ledger.js";

/** What applying one event produced besides the next state: the results callers see and the deciding rule. */
export interface Effects {
  readonly observations: Observation[];
  /** The rules that decided this event's effects, in the order they applied. */
  readonly rules: RuleId[];
  /** Bookkeeping of a long run's working state, consulted instead of scanning it (model/ledger.ts); absent under immer. */
  ledger?: Ledger;
}

/** Fresh, empty effects. */
export function noEffects(): Effects {
  return { observations: [], rules: [] };
}

/** A mutable draft of the state, as reducer cases receive it. */
export type D = Draft<State>;

/** Records the result a caller sees, and the rule that decided it. */
export function reply(fx: Effects, caller: string, result: Result, rule: RuleId): void {
  fx.observations.push({ caller, result, rule });
  fx.rules.push(rule);
}

/** Records an error result. */
export function fail(fx: Effects, caller: string, error: Extract<Result, { kind: "error" }>["error"], message: string, rule: RuleId): void {
  reply(fx, caller, { kind: "error", error, message }, rule);
}
