import { commandEnabled, firstInternalEvent, type Command, type Observation } from "../model/index.js";
import type { Store } from "./store.js";

/** More internal events than this in one settle means the model loops: a bug, reported as such. */
export const SETTLE_LIMIT = 100_000;

/**
 * Runs a command in settled mode: its first step, the rest of its atomic
 * steps, then every internal event until the cluster is quiescent. Returns all
 * observations produced, in order.
 */
export function runSettled(store: Store, command: Command): Observation[] {
  const seen: Observation[] = [...store.dispatch(command)];
  const caller = command.type === "init" ? null : command.caller;
  for (let i = 0; ; i++) {
    if (i > SETTLE_LIMIT) throw new Error(`settle did not reach quiescence after ${SETTLE_LIMIT} events`);
    const state = store.state;
    if (caller !== null && state.inflight[caller] !== undefined && commandEnabled(state, { type: "continue", caller })) {
      seen.push(...store.dispatch({ type: "continue", caller }));
      continue;
    }
    const event = firstInternalEvent(state);
    if (event === null) break;
    seen.push(...store.dispatch(event));
  }
  return seen;
}

/** Runs every internal event until the cluster is quiescent; returns the observations. */
export function settle(store: Store): Observation[] {
  const seen: Observation[] = [];
  for (let i = 0; ; i++) {
    if (i > SETTLE_LIMIT) throw new Error(`settle did not reach quiescence after ${SETTLE_LIMIT} events`);
    const event = firstInternalEvent(store.state);
    if (event === null) return seen;
    seen.push(...store.dispatch(event));
  }
}
