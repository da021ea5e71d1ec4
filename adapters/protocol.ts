import type { Json } from "../model/index.js";
import type { NamespaceRef, Step } from "../sim/scenario/types.js";

/** The adapter protocol's version (docs/adapter-protocol.md). */
export const PROTOCOL_VERSION = 1;

/** Who runs a step: a driver by its scenario label, or code inside an actor by handle id. */
export type CallerRef = { readonly driver: string } | { readonly actor: string };

/** A step as the implementation receives it: labels translated, no expectation. */
export interface StepRequest {
  readonly caller?: CallerRef;
  readonly do: Step["do"];
  readonly actor?: string;
  readonly namespace?: NamespaceRef;
  readonly defaultLifetime?: string;
  readonly class?: string;
  readonly args?: readonly Json[];
  readonly name?: string;
  readonly lifetime?: string;
  readonly getIfExists?: boolean;
  readonly maxRestarts?: number;
  readonly method?: string;
  readonly noRestart?: boolean;
  readonly allNamespaces?: boolean;
  /** Format version 2: a node id (one `addNode` returned, or "head") on `init`, `create`, `killNode`, `drainNode`. */
  readonly node?: string;
  readonly soft?: boolean;
  /** Format version 2 (feature `initFails`): the constructor raises, or exits with sys.exit(1) or sys.exit(0). */
  readonly initFails?: "raise" | "exit" | "exit0";
  readonly reason?: "preemption" | "idle";
}

export type Request =
  | { readonly id: number; readonly type: "hello"; readonly protocol: number }
  /** `gcsStorage` (format version 2, feature gcs): where the new cluster's GCS keeps its tables; absent: "none". */
  | { readonly id: number; readonly type: "reset"; readonly profile: string; readonly gcsStorage?: "redis" | "none" }
  | ({ readonly id: number; readonly type: "step" } & StepRequest)
  | { readonly id: number; readonly type: "settle" }
  | { readonly id: number; readonly type: "shutdown" };

/** What a step returned. */
export interface StepResult {
  readonly namespace?: string;
  readonly handle?: string;
  readonly value?: Json;
  readonly names?: readonly (string | { readonly name: string; readonly namespace: string })[];
  readonly state?: string;
  readonly name?: string;
  readonly version?: string;
  readonly profiles?: readonly string[];
  readonly formats?: readonly number[];
  /** The parts of format version 2 after nodes it runs (sim/scenario/features.ts): `initFails`, `gcs`. */
  readonly features?: readonly string[];
  /** `addNode` (the new node's id) and `placement` (null when the actor is not ALIVE). */
  readonly node?: string | null;
  /** `drainNode`: whether the drain was accepted. */
  readonly accepted?: boolean;
  /** `deathCause`: Ray's death cause, or null while the actor is not DEAD. */
  readonly cause?: string | null;
}

/** A reply; its id is null only in a BadRequest reply to a line without a usable id. */
export type Reply =
  | { readonly id: number; readonly ok: true; readonly result: StepResult }
  | { readonly id: number | null; readonly ok: false; readonly error: { readonly kind: string; readonly message: string } };
