import type { Command, Observation } from "../model/index.js";
import type { Dispatcher } from "./store.js";

/** More internal events than this in one settle means the model loops: a bug, reported as such. */
export const SETTLE_LIMIT = 100_000;

/**
 * Runs a command in settled mode: its first step, the rest of its atomic
 * steps (a caller's command in flight can always take its next step), then
 * every internal event, in the documented order, until the cluster is
 * quiescent. Returns all observations produced, in order, when `collect` is
 * true (the simulator, which only logs them, passes false).
 */
export function runSettled(store: Dispatcher, command: Command, collect = true): Observation[] {
  const seen: Observation[] = [];
  const keep = (observations: readonly Observation[]): void => {
    if (collect) for (const o of observations) seen.push(o);
  };
  keep(store.dispatch(command));
  const caller = command.type === "init" ? null : command.caller;
  for (let i = 0; ; i++) {
    if (i > SETTLE_LIMIT) throw new Error(`settle did not reach quiescence after ${SETTLE_LIMIT} events`);
    if (caller !== null && store.state.inflight[caller] !== undefined) {
      keep(store.dispatch({ type: "continue", caller }));
      continue;
    }
    const event = store.firstInternalEvent();
    if (event === null) return seen;
    keep(store.dispatch(event));
  }
}

/** Runs every internal event until the cluster is quiescent; returns the observations. */
export function settle(store: Dispatcher): Observation[] {
  const seen: Observation[] = [];
  for (let i = 0; ; i++) {
    if (i > SETTLE_LIMIT) throw new Error(`settle did not reach quiescence after ${SETTLE_LIMIT} events`);
    const event = store.firstInternalEvent();
    if (event === null) return seen;
    for (const o of store.dispatch(event)) seen.push(o);
  }
}
