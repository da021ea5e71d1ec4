import { applyInPlace, isCommand, initialState, transition, type ModelEvent, type Observation, type ProfileName, type State } from "../model/index.js";
import type { LogRecord } from "./log.js";

/** How many events lie between two checkpoints of the store. */
const CHECKPOINT_EVERY = 2048;

/**
 * The event-sourced store. Every event dispatched is recorded with the
 * observations it produced. The current state is a private working copy that
 * events are applied to in place (the reducer's own `apply`, without immer's
 * copy-on-write: the simulator's hot path); every `CHECKPOINT_EVERY` events a
 * copy is kept, so the state at any index is rebuilt by replaying from the
 * nearest checkpoint: time travel.
 */
export class Store {
  /** Commands, events and observations, in order (no header). */
  readonly records: LogRecord[] = [];
  private readonly events: ModelEvent[] = [];
  private readonly checkpoints: State[];
  private working: State;

  /** `checkpointEvery`: events between two kept copies; fewer make `stateAt` faster and cost memory (the viewer's time travel). */
  constructor(readonly profile: ProfileName, initial: State = initialState(profile), private readonly checkpointEvery = CHECKPOINT_EVERY) {
    this.checkpoints = [clone(initial)];
    this.working = clone(initial);
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
    const c = Math.floor(index / this.checkpointEvery);
    const state = clone(this.checkpoints[c]);
    for (let i = c * this.checkpointEvery; i < index; i++) applyInPlace(state, this.events[i]);
    return state;
  }

  /** A copy that shares history with this store and then goes its own way. */
  fork(): Store {
    const copy = new Store(this.profile, this.checkpoints[0], this.checkpointEvery);
    copy.records.push(...this.records);
    copy.events.push(...this.events);
    copy.checkpoints.push(...this.checkpoints.slice(1));
    copy.working = clone(this.working);
    return copy;
  }

  /** Applies one event, records it and what it produced, and returns the observations. */
  dispatch(event: ModelEvent): readonly Observation[] {
    const t = applyInPlace(this.working, event);
    this.events.push(event);
    if (this.events.length % this.checkpointEvery === 0) this.checkpoints.push(clone(this.working));
    if (isCommand(event)) this.records.push({ type: "command", command: event, rules: t.rules });
    else this.records.push({ type: "event", event, rules: t.rules });
    for (const observation of t.observations) this.records.push({ type: "observation", observation });
    return t.observations;
  }
}

/**
 * A copy of a state that later in-place events cannot reach: a deep copy of
 * everything that can still change, and a shallow copy of the records of
 * destroyed actors and finished jobs, which never change again.
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
