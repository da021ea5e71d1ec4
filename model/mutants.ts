/**
 * The names of the seeded bugs, in the catalogue's order. Each is defined
 * beside the event (or the mechanics of death) it changes, as overrides of
 * its parts (model/events/*.ts, model/mechanics.ts); model/events/registry.ts
 * gathers them as MUTANTS, with their summaries and the laws that catch them.
 */
export const MUTANT_NAMES = [
  "kill-keeps-name",
  "restart-frees-name",
  "get-or-create-new-args",
  "detached-die-with-job",
  "owned-outlive-owner",
  "lookup-any-namespace",
  "handle-follows-name",
  "double-release",
  "get-or-create-not-found",
  "list-shows-dead",
  "kill-lost-after-restart",
  "restart-never-completes",
  // Nodes (format version 2): found by `rollcall check --nodes 2`.
  "owner-node-one-child",
  "detached-killed-with-creator",
  "preemption-restart-counted",
  // Failing constructors (format version 2): found by `rollcall check --init-fails`.
  "init-error-alive",
  // GCS restarts (format version 2): found by `rollcall check --gcs`.
  "gcs-restart-unkillable",
  "gcs-reload-forgets-children",
] as const;

export type MutantName = (typeof MUTANT_NAMES)[number];

/** The seeded bugs of nodes: they show only in a universe with worker nodes (`rollcall check --nodes 2`). */
export const NODE_MUTANT_NAMES: readonly MutantName[] = ["owner-node-one-child", "detached-killed-with-creator", "preemption-restart-counted"];

/** The seeded bugs of failing constructors: they show only in a universe where constructors fail (`rollcall check --init-fails`). */
export const INIT_MUTANT_NAMES: readonly MutantName[] = ["init-error-alive"];

/** The seeded bugs of GCS restarts: they show only in a universe where the GCS restarts (`rollcall check --gcs`). */
export const GCS_MUTANT_NAMES: readonly MutantName[] = ["gcs-restart-unkillable", "gcs-reload-forgets-children"];

/** True when `name` names a mutant. */
export function isMutantName(name: string): name is MutantName {
  return (MUTANT_NAMES as readonly string[]).includes(name);
}
