import type { Json } from "./json.js";
import type { ActorLifecycle } from "./lifecycle.js";
import type { RuleId } from "./rules.js";
import type { DeathCause } from "./state.js";

/** The error kinds of the scenario format. */
export type ErrorKind = "NameTaken" | "NotFound" | "ActorDied" | "InvalidArgument" | "ActorUnschedulable";
/** Version 1's kinds; version 2 adds ActorUnschedulable (a call to an actor that could not be placed: Ray's ActorUnschedulableError). */
export const ERROR_KINDS: readonly ErrorKind[] = ["NameTaken", "NotFound", "ActorDied", "InvalidArgument", "ActorUnschedulable"];

export interface QualifiedName {
  readonly name: string;
  readonly namespace: string;
}

/** What a caller sees when its command finishes. */
export type Result =
  | { readonly kind: "driver"; readonly job: string; readonly namespace: string }
  | { readonly kind: "handle"; readonly actor: string }
  | { readonly kind: "value"; readonly value: Json }
  | { readonly kind: "error"; readonly error: ErrorKind; readonly message: string }
  | { readonly kind: "names"; readonly names: readonly string[] | readonly QualifiedName[] }
  | { readonly kind: "state"; readonly state: ActorLifecycle }
  /** A node: the one added, or where an actor runs (null when it runs nowhere: DEAD, or not yet placed). */
  | { readonly kind: "node"; readonly node: string | null }
  | { readonly kind: "drain"; readonly accepted: boolean }
  /** An actor's death cause; null while it is not DEAD. */
  | { readonly kind: "cause"; readonly cause: DeathCause | null }
  | { readonly kind: "ok" };

/** A result delivered to a caller, with the rule that decided it. */
export interface Observation {
  readonly caller: string;
  readonly result: Result;
  readonly rule: RuleId;
}

/**
 * The answer a caller gets from a step: the observation addressed to it, or,
 * for an init (whose caller, the job it creates, is unknown beforehand:
 * `caller` null), the step's first observation.
 */
export function answerOf(observations: readonly Observation[], caller: string | null): Observation | undefined {
  return caller === null ? observations[0] : observations.find((o) => o.caller === caller);
}
