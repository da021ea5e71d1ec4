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

/** An implementation that runs scenario steps: real Ray, the Node runtime, or any program speaking the protocol. */
export interface Target {
  readonly description: string;
  /** Identifies the implementation. */
  hello(): Promise<{ name: string; version: string; profiles: readonly string[] }>;
  /** A fresh cluster with this semantics. */
  reset(profile: string): Promise<void>;
  /** Runs one step; several may be in flight at once (parallel blocks). */
  step(request: StepRequest): Promise<Reply>;
  /** Resolves once the cluster is quiescent. */
  settle(): Promise<void>;
  /** Stops the implementation and everything it started. */
  close(): Promise<void>;
}
