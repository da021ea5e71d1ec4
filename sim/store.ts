import { isCommand, transition, initialState, type ModelEvent, type Observation, type ProfileName, type State } from "../model/index.js";
import type { LogRecord } from "./log.js";

/**
 * The event-sourced store: every event dispatched is recorded, with the
 * observations it produced, and every intermediate state is kept (immer shares
 * structure between them), so any index can be revisited: time travel.
 */
export class Store {
  /** Commands, events and observations, in order (no header). */
  readonly records: LogRecord[] = [];
  /** states[i] is the state after the first i events. */
  private readonly states: State[];

  constructor(readonly profile: ProfileName, initial: State = initialState(profile)) {
    this.states = [initial];
  }

  /** The current state. */
  get state(): State {
    return this.states[this.states.length - 1];
  }

  /** The number of events dispatched. */
  get length(): number {
    return this.states.length - 1;
  }

  /** The state after the first `index` events. */
  stateAt(index: number): State {
    if (index < 0 || index >= this.states.length) throw new RangeError(`no state at index ${index} (0..${this.length})`);
    return this.states[index];
  }

  /** A copy that shares history with this store and then goes its own way. */
  fork(): Store {
    const copy = new Store(this.profile, this.states[0]);
    copy.states.push(...this.states.slice(1));
    copy.records.push(...this.records);
    return copy;
  }

  /** Applies one event, records it and what it produced, and returns the observations. */
  dispatch(event: ModelEvent): readonly Observation[] {
    const t = transition(this.state, event);
    this.states.push(t.state);
    if (isCommand(event)) this.records.push({ type: "command", command: event, rules: t.rules });
    else this.records.push({ type: "event", event, rules: t.rules });
    for (const observation of t.observations) this.records.push({ type: "observation", observation });
    return t.observations;
  }
}

/**
 * Rebuilds the state from a log's commands and events alone, without looking at
 * its observations; returns the state after `upTo` events (all by default).
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
