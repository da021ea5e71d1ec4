import {
  applyInPlace, isCommand, initialState, Ledger, transition,
  type InternalEvent, type ModelEvent, type Observation, type ProfileName, type RuleId, type State,
} from "../model/index.js";
import type { LogRecord } from "./log.js";

/** The least number of events between two checkpoints of the store. */
const CHECKPOINT_EVERY = 2048;

/** What the settled runner needs: a current state, events applied to it, and the next internal event. */
export interface Dispatcher {
  readonly state: State;
  dispatch(event: ModelEvent): readonly Observation[];
  firstInternalEvent(): InternalEvent | null;
}

/**
 * A working state without history: events are applied to a private copy in
 * place (the reducer's own `apply`, without immer's copy-on-write), with the
 * ledger that spares scanning it (model/ledger.ts). Each record produced is
 * handed to `sink` (the simulator streams them to its log) and not kept.
 */
export class Engine implements Dispatcher {
  private readonly working: State;
  private readonly ledger: Ledger;
  private count = 0;

  constructor(readonly profile: ProfileName, initial: State = initialState(profile), private readonly sink?: (record: LogRecord) => void) {
    this.working = clone(initial);
    this.ledger = new Ledger(this.working);
  }

  /** The current state: read it, do not keep it across a dispatch, never change it. */
  get state(): State {
    return this.working;
  }

  /** The number of events dispatched. */
  get length(): number {
    return this.count;
  }

  /** Applies one event; hands its records to the sink; returns the observations. */
  dispatch(event: ModelEvent): readonly Observation[] {
    const t = applyInPlace(this.working, event, this.ledger);
    this.count++;
    if (this.sink !== undefined) {
      this.sink(eventRecord(event, t.rules));
      for (const observation of t.observations) this.sink({ type: "observation", observation });
    }
    return t.observations;
  }

  /** Applies one event and returns what it produced, records aside (replay). */
  apply(event: ModelEvent): { readonly observations: readonly Observation[]; readonly rules: readonly RuleId[] } {
    this.count++;
    return applyInPlace(this.working, event, this.ledger);
  }

  firstInternalEvent(): InternalEvent | null {
    return this.ledger.firstInternalEvent(this.working);
  }
}

function eventRecord(event: ModelEvent, rules: readonly RuleId[]): LogRecord {
  return isCommand(event) ? { type: "command", command: event, rules } : { type: "event", event, rules };
}

/** A kept copy of the state after `index` events. */
interface Checkpoint {
  readonly index: number;
  readonly state: State;
}

/**
 * The event-sourced store. Every event dispatched is recorded with the
 * observations it produced. The current state is a private working copy that
 * events are applied to in place; now and then a copy is kept (a checkpoint),
 * so the state at any index is rebuilt by replaying from the nearest one:
 * time travel. A copy costs the size of the state, so checkpoints are at
 * least that many events apart (and at least `checkpointEvery`): the copies
 * cost O(1) per event and their memory grows with the events, never with
 * their square, however large the state.
 */
export class Store implements Dispatcher {
  /** Commands, events and observations, in order (no header). */
  readonly records: LogRecord[] = [];
  private readonly events: ModelEvent[] = [];
  private readonly checkpoints: Checkpoint[];
  private working: State;
  private ledger: Ledger;
  private nextCheckpoint: number;

  /** `checkpointEvery`: least events between two kept copies; fewer make `stateAt` faster and cost memory (the viewer's time travel). */
  constructor(readonly profile: ProfileName, initial: State = initialState(profile), private readonly checkpointEvery = CHECKPOINT_EVERY) {
    const first = clone(initial);
    this.checkpoints = [{ index: 0, state: first }];
    this.nextCheckpoint = checkpointEvery + sizeOf(first);
    this.working = clone(initial);
    this.ledger = new Ledger(this.working);
  }

  /**
   * The current state. It is the store's working copy: read it, do not keep it
   * across a dispatch (use `snapshot`), never change it.
   */
  get state(): State {
    return this.working;
  }

  /** A copy of the current state that later events leave alone. */
  snapshot(): State {
    return clone(this.working);
  }

  /** The number of events dispatched. */
  get length(): number {
    return this.events.length;
  }

  /** The state after the first `index` events, rebuilt from the nearest checkpoint. */
  stateAt(index: number): State {
    if (!Number.isInteger(index) || index < 0 || index > this.length) throw new RangeError(`no state at index ${index} (0..${this.length})`);
    let lo = 0;
    let hi = this.checkpoints.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.checkpoints[mid].index <= index) lo = mid;
      else hi = mid - 1;
    }
    const c = this.checkpoints[lo];
    const state = clone(c.state);
    if (c.index < index) {
      const ledger = new Ledger(state);
      for (let i = c.index; i < index; i++) applyInPlace(state, this.events[i], ledger);
    }
    return state;
  }

  /** A copy that shares history with this store and then goes its own way. */
  fork(): Store {
    const copy = new Store(this.profile, this.checkpoints[0].state, this.checkpointEvery);
    copy.records.push(...this.records);
    copy.events.push(...this.events);
    copy.checkpoints.push(...this.checkpoints.slice(1));
    copy.nextCheckpoint = this.nextCheckpoint;
    copy.working = clone(this.working);
    copy.ledger = this.ledger.clone(copy.working);
    return copy;
  }

  /** Applies one event, records it and what it produced, and returns the observations. */
  dispatch(event: ModelEvent): readonly Observation[] {
    const t = applyInPlace(this.working, event, this.ledger);
    this.events.push(event);
    if (this.events.length >= this.nextCheckpoint) {
      const copy = clone(this.working);
      this.checkpoints.push({ index: this.events.length, state: copy });
      this.nextCheckpoint = this.events.length + Math.max(this.checkpointEvery, sizeOf(copy));
    }
    this.records.push(eventRecord(event, t.rules));
    for (const observation of t.observations) this.records.push({ type: "observation", observation });
    return t.observations;
  }

  /** The first internal event the settled runner takes, or null when the cluster is quiescent (as `firstInternalEvent(store.state)`). */
  firstInternalEvent(): InternalEvent | null {
    return this.ledger.firstInternalEvent(this.working);
  }
}

/** A measure of what copying a state costs: its records. */
function sizeOf(state: State): number {
  let n = 0;
  for (const _ in state.actors) n++;
  for (const _ in state.destroyed) n++;
  for (const _ in state.jobs) n++;
  for (const _ in state.finished) n++;
  for (const _ in state.handles) n++;
  return n;
}

/**
 * A copy of a state that later in-place events cannot reach: a deep copy of
 * everything that can still change, and a shallow copy of the records of
 * destroyed actors and finished jobs, which never change again (an eviction
 * replaces a record rather than changing it).
 */
function clone(state: State): State {
  const { destroyed, finished, ...live } = state;
  return { ...(JSON.parse(JSON.stringify(live)) as typeof live), destroyed: { ...destroyed }, finished: { ...finished } };
}

/**
 * Rebuilds the state from a log's commands and events alone, through the
 * immer reducer, without looking at its observations; returns the state after
 * `upTo` events (all by default).
 */
export function replayState(profile: ProfileName, records: readonly LogRecord[], upTo = Infinity): State {
  let state = initialState(profile);
  let n = 0;
  for (const r of records) {
    if (n >= upTo) break;
    if (r.type === "command") state = transition(state, r.command).state;
    else if (r.type === "event") state = transition(state, r.event).state;
    else continue;
    n++;
  }
  return state;
}
