import type { StepRequest } from "../adapters/protocol.js";
/**
 * The runtime's own protocol types: what drivers, actors, the head and the
 * adapter say to each other. The runtime imports nothing from the model: it is
 * an independent implementation held up against it.
 */

/** Kills and drops a process sent while the GCS was down (GCS fault tolerance), for the restarted head to apply when it reconnects. */
export type PendingRequests = { readonly method: string; readonly params: Record<string, unknown> }[];

/** Ray's five actor lifecycle states. */
export type ActorState = "DEPENDENCIES_UNREADY" | "PENDING_CREATION" | "ALIVE" | "RESTARTING" | "DEAD";

/** Why an actor died, in Ray's words. */
export type DeathCause = "RAY_KILL" | "OWNER_DIED" | "OUT_OF_SCOPE" | "REF_DELETED" | "WORKER_DIED" | "INTENDED_USER_EXIT" | "NODE_DIED" | "UNSCHEDULABLE" | "CREATION_TASK_ERROR";

/** How a constructor fails (format version 2's initFails): it raises, or exits with sys.exit(1) or sys.exit(0). */
export type InitFailure = "raise" | "exit" | "exit0";

/** The error kinds of the scenario format (ActorUnschedulable: format version 2), plus Internal for anything else. */
export type ErrorKind = "NameTaken" | "NotFound" | "ActorDied" | "InvalidArgument" | "ActorUnschedulable" | "Internal";

/** The head node's id (format version 2): every cluster has it from its start; worker nodes get ids from addNode. */
export const HEAD = "head";

/** A drain the GCS accepted (format version 2's drainNode). */
export type DrainReason = "preemption" | "idle";

export type Lifetime = "detached" | "non_detached";

/** An error a runtime operation raises; its kind travels across processes. */
export class RuntimeError extends Error {
  constructor(readonly kind: ErrorKind, message: string) {
    super(message);
    this.name = "RuntimeError";
  }
}

/** Turns anything thrown into a kind and a message that can cross a process boundary. */
export function toWireError(e: unknown): { kind: ErrorKind; message: string } {
  if (e instanceof RuntimeError) return { kind: e.kind, message: e.message };
  return { kind: "Internal", message: e instanceof Error ? e.message : String(e) };
}

/** What the head knows a handle points at: the actor's id and class. */
export interface ActorRef {
  readonly id: string;
  readonly cls: string;
}

/** How the head starts an actor process: everything it needs is in its argv. */
export interface ActorSpec {
  readonly actor: string;
  readonly incarnation: number;
  readonly cls: string;
  readonly args: readonly unknown[];
  /** The node the process runs on: HEAD, or a worker node's id. */
  readonly node: string;
  /** The job the actor's code runs in (its creator's): its namespace and default lifetime. */
  readonly job: string;
  readonly namespace: string;
  readonly defaultLifetime: Lifetime;
  /** The constructor fails this way (format version 2), or it succeeds. */
  readonly initFails?: InitFailure;
}

/**
 * A scenario step as a driver or an actor runs it: the adapter protocol's step
 * (docs/adapter-protocol.md), with the caller taken off and the namespace
 * already resolved to a string.
 */
export type StepMsg = Omit<StepRequest, "caller" | "namespace"> & { readonly namespace?: string };

/** What a step returns, in the adapter protocol's shape. */
export interface StepResult {
  readonly namespace?: string;
  readonly handle?: string;
  readonly value?: unknown;
  readonly names?: readonly (string | { readonly name: string; readonly namespace: string })[];
  readonly state?: ActorState;
  /** addNode: the new node's id; placement: the node an ALIVE actor runs on, else null. */
  readonly node?: string | null;
  /** deathCause: a DEAD actor's cause, else null. */
  readonly cause?: DeathCause | null;
  /** drainNode: whether the GCS accepted the drain. */
  readonly accepted?: boolean;
  /** The driver's job id (for the adapter's own bookkeeping; not part of the protocol reply). */
  readonly job?: string;
}
