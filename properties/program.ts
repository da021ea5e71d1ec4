import fc from "fast-check";
import {
  commandEnabled, enabledInternalEvents, firstInternalEvent, transition, initialState,
  type Law, type LawStep, type ModelEvent, type ProfileName, type State,
} from "../model/index.js";
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
  let state = initialState(profile);
  const step = (event: ModelEvent): void => {
    const t = transition(state, event);
    onStep({ before: state, event, after: t.state, observations: t.observations, settled: firstInternalEvent(t.state) === null });
    state = t.state;
  };
  for (const move of moves) {
    let k = 0;
    const choose = (n: number): number => (move[k++ % move.length] ?? 0) % n;
    if (mode === "settled") {
      const command = nextCommand(state, choose, space);
      step(command);
      const caller = "caller" in command ? command.caller : null;
      for (let guard = 0; guard < 10_000; guard++) {
        if (caller !== null && state.inflight[caller] !== undefined) step({ type: "continue", caller });
        else {
          const e = firstInternalEvent(state);
          if (e === null) break;
          step(e);
        }
      }
      continue;
    }
    // Interleaved: a new command, a caller's next atomic step, or any internal event.
    const options: ModelEvent[] = [...enabledInternalEvents(state)];
    for (const caller of Object.keys(state.inflight)) {
      const next = { type: "continue" as const, caller };
      if (commandEnabled(state, next)) options.push(next);
    }
    const command = nextCommand(state, choose, space);
    const busy = "caller" in command && state.inflight[command.caller] !== undefined;
    if (!busy && (command.type === "actor.crashed" || commandEnabled(state, command))) options.push(command);
    if (options.length > 0) step(options[choose(options.length)]);
  }
  return state;
}

/** Checks a law on a program; returns whether its companion was reached. Throws on a violation. */
export function checkLawOn(law: Law, profile: ProfileName, moves: readonly (readonly number[])[], mode: Mode): boolean {
  let reached = false;
  runProgram(profile, moves, mode, (step) => {
    const message = law.check(step);
    if (message !== null) throw new Error(`${law.name} (${law.sentence}) broken by ${JSON.stringify(step.event)}: ${message}`);
    if (law.reached(step)) reached = true;
  });
  return reached;
}
