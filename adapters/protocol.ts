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
}

export type Request =
  | { readonly id: number; readonly type: "hello"; readonly protocol: number }
  | { readonly id: number; readonly type: "reset"; readonly profile: string }
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
}

export type Reply =
  | { readonly id: number; readonly ok: true; readonly result: StepResult }
  | { readonly id: number; readonly ok: false; readonly error: { readonly kind: string; readonly message: string } };

/** Why a line is not a reply of this protocol, or null when it is one. */
export function replyProblem(value: unknown): string | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "a reply must be a JSON object";
  const r = value as Record<string, unknown>;
  if (!Number.isInteger(r.id)) return "a reply needs an integer id";
  if (r.ok === true) {
    if (r.result !== undefined && (r.result === null || typeof r.result !== "object" || Array.isArray(r.result))) return "result must be an object";
    return null;
  }
  if (r.ok === false) {
    const e = r.error as Record<string, unknown> | undefined;
    if (e === null || typeof e !== "object" || typeof e.kind !== "string" || typeof e.message !== "string") return "a failed reply needs error { kind, message }";
    return null;
  }
  return "a reply needs ok: true or false";
}
