import type { Json } from "../../model/index.js";

/** A namespace in a scenario: a string, or the namespace of a driver (needed for anonymous ones). */
export type NamespaceRef = string | { readonly of: string };

export type Expect =
  | { readonly actor: string }
  | { readonly value: Json }
  | { readonly error: string }
  | { readonly names: readonly (string | { readonly name: string; readonly namespace: NamespaceRef })[] }
  | { readonly state: string }
  /** Version 2: where an actor runs (`placement`), a drain's answer, a death cause (`deathCause`; null: not DEAD). */
  | { readonly node: string }
  | { readonly drain: "accepted" | "rejected" }
  | { readonly cause: string | null };

/** One step of a scenario, as the file says it (docs/scenario-format.md "Steps"). */
export interface Step {
  readonly by?: string;
  readonly do: "init" | "create" | "get" | "call" | "kill" | "drop" | "exit" | "crash" | "list" | "state"
    | "addNode" | "killNode" | "drainNode" | "deathCause" | "placement"
    | "stopGcs" | "startGcs" | "restartGcs";
  readonly namespace?: NamespaceRef;
  readonly defaultLifetime?: string;
  readonly class?: string;
  readonly args?: readonly Json[];
  readonly name?: string;
  readonly lifetime?: string;
  readonly getIfExists?: boolean;
  readonly maxRestarts?: number;
  readonly as?: string;
  readonly actor?: string;
  readonly method?: string;
  readonly noRestart?: boolean;
  readonly allNamespaces?: boolean;
  /** Version 2: a node label (`addNode` binds it; `init`, `create`, `killNode`, `drainNode` name one). */
  readonly node?: string;
  readonly soft?: boolean;
  /** Version 2: the constructor raises (`raise`) or exits (`exit`: sys.exit(1); `exit0`: sys.exit(0)), every time it runs. */
  readonly initFails?: "raise" | "exit" | "exit0";
  readonly reason?: "preemption" | "idle";
  readonly expect?: Expect;
}

export interface ParallelBlock {
  readonly parallel: readonly (readonly Step[])[];
}

export type Item = Step | ParallelBlock;

export interface Scenario {
  /** The format's version: absent for version 1, 2 for files that use nodes. */
  readonly version?: 2;
  readonly title: string;
  readonly about?: string;
  readonly profile?: string;
  /** Version 2: where the GCS keeps its tables: `redis` (reloaded when it restarts) or `none` (the default: lost with it). */
  readonly gcsStorage?: "redis" | "none";
  readonly steps: readonly Item[];
}

/** A scenario read from a file and checked, with where it came from. */
export interface LoadedScenario {
  readonly file: string;
  readonly scenario: Scenario;
}

/** True for a `parallel` block. */
export function isParallel(item: Item): item is ParallelBlock {
  return (item as ParallelBlock).parallel !== undefined;
}

/** Where in a scenario a step sits: its index, and for steps of a parallel block the list and position. */
export interface StepPath {
  readonly index: number;
  readonly list?: number;
  readonly position?: number;
}

/** `steps[3]` or `steps[3].parallel[1][0]`. */
export function formatStepPath(path: StepPath): string {
  return path.list === undefined ? `steps[${path.index}]` : `steps[${path.index}].parallel[${path.list}][${path.position}]`;
}
