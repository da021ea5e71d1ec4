/**
 * Seeded bugs: plausible mistakes an implementation of named actors could
 * make, each one switchable in the model so the checker, the laws and the
 * scenarios can be shown to catch it (`rollcall check --mutant NAME`,
 * `rollcall run --mutant NAME`). A mutant is data on the state that the
 * reducer consults at the one place the bug lives, like a profile; with no
 * mutant the model is Ray. `law` names the law that catches it: a safety law
 * (model/laws/index.ts, LAWS) or a liveness law (model/laws/liveness.ts,
 * LIVENESS_LAWS), which only the liveness analysis of `rollcall check` sees.
 */
export const MUTANTS = {
  "kill-keeps-name": {
    summary: "a processed ray.kill marks the actor DEAD but never frees its name",
    law: "name-reusable-after-kill",
  },
  "restart-frees-name": {
    summary: "the name is released when the actor starts RESTARTING, so it is up for grabs during the restart",
    law: "name-uniqueness",
  },
  "get-or-create-new-args": {
    summary: "get_if_exists that finds the actor re-runs its constructor with the new arguments",
    law: "get-if-exists-ignores-arguments",
  },
  "detached-die-with-job": {
    summary: "detached actors are destroyed when the job that created them ends",
    law: "detached-survive-job",
  },
  "owned-outlive-owner": {
    summary: "the owner's death is never processed: owned actors survive their owner",
    law: "owned-die-with-owner",
  },
  "lookup-any-namespace": {
    summary: "get_actor falls back to any namespace that holds the name",
    law: "namespaces-isolate-lookups",
  },
  "handle-follows-name": {
    summary: "a call through a handle goes to whichever actor holds the handle's name now",
    law: "handles-never-move",
  },
  "double-release": {
    summary: "an owned actor that dies releases its name at death and again when destroyed, taking it from the new holder (Ray issue #57690)",
    law: "name-uniqueness",
  },
  "get-or-create-not-found": {
    summary: "get_if_exists that loses the registration race raises NotFound instead of looking the winner up (Ray issue #48856)",
    law: "get-if-exists-finds-or-creates",
  },
  "list-shows-dead": {
    summary: "list_named_actors also lists DEAD actors that still hold their names",
    law: "list-shows-live-names",
  },
  "kill-lost-after-restart": {
    summary: "a ray.kill of an actor that has restarted is never processed (the GCS addresses it to the actor's first worker, which is gone)",
    law: "kill-eventually-processed",
  },
  "restart-never-completes": {
    summary: "an actor that starts RESTARTING never runs its constructor again: it stays RESTARTING until killed or orphaned",
    law: "restart-eventually-ends",
  },
} as const satisfies Record<string, { readonly summary: string; readonly law: string }>;

export type MutantName = keyof typeof MUTANTS;

export const MUTANT_NAMES = Object.keys(MUTANTS) as MutantName[];

/** True when `name` names a mutant. */
export function isMutantName(name: string): name is MutantName {
  return Object.prototype.hasOwnProperty.call(MUTANTS, name);
}

/** True when the state runs with the seeded bug `name`. */
export function bug(state: { readonly mutant?: MutantName }, name: MutantName): boolean {
  return state.mutant === name;
}
