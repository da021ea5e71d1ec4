import { InputError } from "../cli/errors.js";
import type { Reply, StepRequest } from "./protocol.js";

/** How an implementation misbehaved: it did not answer in time, it died, or it broke the protocol. */
export type VerdictKind = "timeout" | "died" | "protocol";

/** An implementation under test misbehaved; the message says how, and where. */
export class TargetError extends Error {
  constructor(readonly verdict: VerdictKind, message: string) {
    super(message);
    this.name = "TargetError";
  }
}

/**
 * The implementation refused to run what it was asked: its `reset` (or
 * `hello`) answered with an error, for example an unknown seeded bug or a
 * profile it does not implement, or its `hello` does not list the profile
 * asked for. It is a problem of the command's input, not a difference: the
 * command reports it once and exits 2 (an InputError), and `fuzz` does not
 * try to shrink it.
 */
export class TargetRefusedError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = "TargetRefusedError";
  }
}

/**
 * Checks, before anything runs, that the target's hello lists the profile (an
 * empty list means every profile). A target that misbehaves at hello is
 * unusable too: both are TargetRefusedError.
 */
export async function requireProfile(target: Target, profile: string, format: 1 | 2 = 1, features: readonly string[] = []): Promise<readonly string[]> {
  let profiles: readonly string[];
  let formats: readonly number[];
  let listed: readonly string[];
  try {
    const hello = await target.hello();
    profiles = hello.profiles;
    formats = hello.formats ?? [1];
    listed = hello.features ?? [];
  } catch (e) {
    if (e instanceof TargetError) throw new TargetRefusedError(`the target ${target.description} cannot be used: ${e.verdict}: ${e.message}`);
    throw e;
  }
  if (profiles.length > 0 && !profiles.includes(profile)) {
    throw new TargetRefusedError(`the target ${target.description} does not implement profile ${profile} (its hello lists ${profiles.join(", ")})`);
  }
  if (!formats.includes(format)) {
    throw new TargetRefusedError(`the target ${target.description} runs scenario format ${formats.join(", ")} only (its hello), and programs with nodes need format ${format}`);
  }
  const missing = features.filter((f) => !listed.includes(f));
  if (missing.length > 0) {
    throw new TargetRefusedError(`the target ${target.description} does not list ${missing.join(", ")} in its hello's features (it lists ${listed.length === 0 ? "none" : listed.join(", ")}), and these programs use ${missing.length === 1 ? "it" : "them"}`);
  }
  return profiles;
}

/** An implementation that runs scenario steps: real Ray, the Node runtime, or any program speaking the protocol. */
export interface Target {
  readonly description: string;
  /** Identifies the implementation. */
  /** `formats`: the scenario format versions it runs (absent: version 1 only). */
  hello(): Promise<{ name: string; version: string; profiles: readonly string[]; formats?: readonly number[]; features?: readonly string[] }>;
  /** A fresh cluster with this semantics. */
  /** A fresh cluster under the profile; `gcsStorage` (format version 2, feature gcs): where its GCS keeps its tables. */
  reset(profile: string, gcsStorage?: "redis" | "none"): Promise<void>;
  /** Runs one step; several may be in flight at once (parallel blocks). */
  step(request: StepRequest): Promise<Reply>;
  /** Resolves once the cluster is quiescent. */
  settle(): Promise<void>;
  /** Stops the implementation and everything it started. */
  close(): Promise<void>;
}
