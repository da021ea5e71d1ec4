import type { Command, CommandType } from "../command.js";
import type { D, Effects } from "../effects.js";
import type { Fault, InternalEvent, ModelEvent } from "../event.js";
import type { Actor, Inflight, State } from "../state.js";

/**
 * How an event is written down: one module per command and per internal
 * event (model/events/*.ts), each holding, the way a Quint action lists its
 * guard and then its updates,
 * - `enabled`: its guard (when a command can take its first step; when the
 *   cluster can take an internal event, for an actor or for the kill queue);
 * - `apply`: its effect on a mutable draft, and the rule that decided it;
 * - `footprint`: the records it reads and writes (for partial-order
 *   reduction: model/footprint.ts);
 * - the rules it decides (their sentences; model/rules.ts gathers them);
 * - the seeded bugs that change it, as overrides of these parts, beside it.
 * model/events/registry.ts lists every event once, in the documented order
 * of the enabled events, and is the only dispatcher.
 */

/** The records of a state an event reads and writes, as keys (model/footprint.ts lists the keys). */
export class Keys {
  readonly reads = new Set<string>();
  readonly writes = new Set<string>();
  read(key: string): void {
    this.reads.add(key);
  }
  /** Writes are read-modify-writes (for independence). */
  write(key: string): void {
    this.writes.add(key);
    this.reads.add(key);
  }
}

type Of<U, T> = Extract<U, { type: T }>;

/** A command: what a caller asks for. */
export interface CommandDef<T extends CommandType = CommandType> {
  readonly type: T;
  /** True when the command can take its first step now. */
  readonly enabled: (state: State, command: Of<Command, T>) => boolean;
  /** What the guard reads. */
  readonly enabling: (state: State, command: Of<Command, T>, k: Keys) => void;
  readonly apply: (d: D, command: Of<Command, T>, fx: Effects) => void;
  readonly footprint: (state: State, command: Of<Command, T>, k: Keys) => void;
  /** The next atomic step of this command once begun (`continue`), for commands that take several. */
  readonly continue?: (d: D, caller: string, inflight: Inflight, fx: Effects) => void;
  readonly continueFootprint?: (state: State, caller: string, inflight: Inflight, k: Keys) => void;
}

/**
 * An internal event of one actor: its guard gives the events enabled for
 * that actor (several when the GCS may place it on one of several nodes),
 * none when it is not enabled. The registry tries an actor's events in its
 * order; an enabled `exclusive` one hides the events after it.
 */
export interface ActorEventDef<T extends InternalEvent["type"] = InternalEvent["type"]> {
  readonly type: T;
  readonly group: "actor";
  readonly enabled: (state: State, actor: Actor) => Of<InternalEvent, T>[];
  readonly exclusive?: boolean;
  readonly apply: (d: D, event: Of<InternalEvent, T>, fx: Effects) => void;
  readonly footprint: (state: State, event: Of<InternalEvent, T>, k: Keys) => void;
}

/** An internal event of the kill queue: its guard gives the enabled events of the queue, oldest first. */
export interface QueueEventDef<T extends InternalEvent["type"] = InternalEvent["type"]> {
  readonly type: T;
  readonly group: "queue";
  readonly enabled: (state: State) => Of<InternalEvent, T>[];
  readonly enabling: (state: State, event: Of<InternalEvent, T>, k: Keys) => void;
  readonly apply: (d: D, event: Of<InternalEvent, T>, fx: Effects) => void;
  readonly footprint: (state: State, event: Of<InternalEvent, T>, k: Keys) => void;
}

/** A fault: what the environment does to the cluster (the explorer and the fuzzer decide when). */
export interface FaultDef<T extends Fault["type"] = Fault["type"]> {
  readonly type: T;
  readonly group: "fault";
  readonly enabling: (state: State, event: Of<Fault, T>, k: Keys) => void;
  readonly apply: (d: D, event: Of<Fault, T>, fx: Effects) => void;
  readonly footprint: (state: State, event: Of<Fault, T>, k: Keys) => void;
}

export type EventDef = CommandDef | ActorEventDef | QueueEventDef | FaultDef;

/**
 * A seeded bug: a plausible mistake, written as overrides of the parts of
 * the events it changes (by event type), and of the shared mechanics of
 * death (model/mechanics.ts) where it lives there. `law` names the law that
 * catches it: a safety law (model/laws/index.ts) or a liveness law
 * (model/laws/liveness.ts).
 */
export interface BugDef {
  readonly summary: string;
  readonly law: string;
  readonly overrides: { readonly [type: string]: Overrides };
}

/** The parts of an event a seeded bug may replace (the registry checks the event's kind has them). */
export interface Overrides {
  readonly apply?: (d: D, event: ModelEvent, fx: Effects) => void;
  readonly footprint?: (state: State, event: ModelEvent, k: Keys) => void;
  readonly continue?: (d: D, caller: string, inflight: Inflight, fx: Effects) => void;
  /** An actor event's guard (state, actor), or the queue's (state). */
  readonly enabled?: ((state: State, actor: Actor) => InternalEvent[]) | ((state: State) => InternalEvent[]);
}

/** Helpers keeping each module's literal types (event types, rule ids). */
export const defineCommand = <T extends CommandType>(def: CommandDef<T>): CommandDef<T> => def;
export const defineActorEvent = <T extends InternalEvent["type"]>(def: ActorEventDef<T>): ActorEventDef<T> => def;
export const defineQueueEvent = <T extends InternalEvent["type"]>(def: QueueEventDef<T>): QueueEventDef<T> => def;
export const defineFault = <T extends Fault["type"]>(def: FaultDef<T>): FaultDef<T> => def;
