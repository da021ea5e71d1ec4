import fc from "fast-check";
import {
  clusterSettled, firstInternalEvent, transition, initialState, isFault,
  type Law, type LawStep, type ModelEvent, type Observation, type ProfileName, type State,
} from "../model/index.js";
import { movesOf, type LaneWish } from "../sim/search.js";
import { runSettled, settle } from "../sim/settle.js";
import type { Dispatcher } from "../sim/store.js";
import { DEFAULT_SPACE, nextCommand, type ProgramSpace } from "../sim/programs.js";

/**
 * A random program as fast-check generates it: a list of moves, each a few
 * choice numbers. The moves are read as indices into what is enabled (through
 * the same `nextCommand` the simulator uses), so every program is valid and
 * shrinks toward short, simple ones.
 */
export const arbProgram = (maxMoves = 60): fc.Arbitrary<number[][]> =>
  fc.array(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 10, maxLength: 10 }), { maxLength: maxMoves, size: "max" });

export type Mode = "settled" | "interleaved";

/** Runs a program through the immer reducer, calling `onStep` for every transition. */
export function runProgram(
  profile: ProfileName, moves: readonly (readonly number[])[], mode: Mode,
  onStep: (step: LawStep) => void, space: ProgramSpace = DEFAULT_SPACE,
): State {
  let state = initialState(profile, undefined, space.gcs === true ? { gcsStorage: "redis" } : undefined);
  const step = (event: ModelEvent): readonly Observation[] => {
    const t = transition(state, event);
    onStep({ before: state, event, after: t.state, observations: t.observations, settled: clusterSettled(t.state) });
    state = t.state;
    return t.observations;
  };
  // The settled runner of the simulator (sim/settle.ts), over the immer reducer.
  const store: Dispatcher = { get state() { return state; }, dispatch: step, firstInternalEvent: () => firstInternalEvent(state) };
  for (const move of moves) {
    let k = 0;
    const choose = (n: number): number => (move[k++ % move.length] ?? 0) % n;
    const command = nextCommand(state, choose, space);
    if (mode === "settled") {
      if (isFault(command)) {
        step(command);
        settle(store);
      } else runSettled(store, command, false);
      continue;
    }
    // Interleaved: the search core's moves (sim/search.ts) where the callers are those with a command in flight and the new command's.
    const caller = "caller" in command ? command.caller : null;
    const wishes: LaneWish[] = Object.keys(state.inflight).filter((c) => c !== caller).map((c, lane) => ({ lane, caller: c, commands: [] }));
    wishes.push({ lane: wishes.length, caller, commands: [command] });
    const options = movesOf({ root: state, start: null, lanes: (_s, _p, out) => out.push(...wishes), advance: () => ({ pos: null }), posKey: () => "" }, state, null);
    if (options.length > 0) step(options[choose(options.length)]!.event);
  }
  return state;
}

/** Checks a law on a program; returns whether its companion was reached. Throws on a violation. */
export function checkLawOn(law: Law, profile: ProfileName, moves: readonly (readonly number[])[], mode: Mode, space: ProgramSpace = DEFAULT_SPACE): boolean {
  let reached = false;
  runProgram(profile, moves, mode, (step) => {
    const message = law.check(step);
    if (message !== null) throw new Error(`${law.name} (${law.sentence}) broken by ${JSON.stringify(step.event)}: ${message}`);
    if (law.reached(step)) reached = true;
  }, space);
  return reached;
}
