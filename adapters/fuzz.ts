import fc from "fast-check";
import type { ProfileName } from "../model/index.js";
import { generateScenario } from "../sim/generate.js";
import { DEFAULT_SPACE, type ProgramSpace } from "../sim/programs.js";
import { parseScenario } from "../sim/scenario/load.js";
import type { Scenario } from "../sim/scenario/types.js";
import { runOnTarget, type TargetResult } from "./run-target.js";
import { TargetError, type Target } from "./target.js";
import { arbRace, checkRace, generateRace, type RaceCheck } from "./race.js";

export interface FuzzOptions {
  readonly runs: number;
  readonly seed: number;
  readonly profile: ProfileName;
  /** Moves per program at most. */
  readonly maxMoves: number;
  readonly space?: ProgramSpace;
  /** A target for each program (the same one, reset, or a fresh one after a verdict). */
  readonly target: () => Target;
  /** Called after each program with what has been done so far. */
  readonly progress?: (done: { programs: number; steps: number; seconds: number; shrinking: boolean }) => void;
  /**
   * Seconds that shrinking may take after the first difference (default: no
   * bound). Past it, the smallest failing program found so far is the answer:
   * on a slow target (real Ray runs a program in seconds) fast-check's
   * shrinker could otherwise run for hours.
   */
  readonly shrinkSeconds?: number;
  /** Called once with the first program where the target and the model part, before shrinking. */
  readonly onFirstDifference?: (scenario: Scenario, result: TargetResult) => void;
}

export interface FuzzReport {
  /** Programs run before the first difference (all of them when none was found). */
  readonly programs: number;
  readonly steps: number;
  readonly seconds: number;
  /** Programs run while shrinking. */
  readonly shrinkRuns: number;
  /** True when shrinking stopped at its time bound rather than at a minimal program. */
  readonly shrinkCut?: boolean;
  /** The shrunk program where the target and the model part, as a scenario, with the failing run. */
  readonly difference?: { readonly scenario: Scenario; readonly result: TargetResult; readonly shrinks: number; readonly foundAfterSeconds: number };
}

/**
 * The differential fuzzer: fast-check generates programs (every operation,
 * several drivers, code inside actors, crashes), each becomes a scenario whose
 * expectations are the model's, and it runs on the target. The first program
 * where the target fails a step is shrunk by fast-check (fewer, simpler moves)
 * and returned as a scenario, cut after its failing step.
 */
export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  let programs = 0;
  let steps = 0;
  let found: { programs: number; steps: number; seconds: number } | null = null;
  let target: Target | null = null;
  let last: { scenario: Scenario; result: TargetResult } | null = null;
  let shrinkCut = false;
  const run = async (moves: number[][]): Promise<boolean> => {
    if (found !== null && options.shrinkSeconds !== undefined && performance.now() - started > (found.seconds + options.shrinkSeconds) * 1000) {
      // Out of shrinking time: every further candidate counts as passing, so fast-check keeps the smallest failure so far.
      shrinkCut = true;
      return true;
    }
    const scenario = generateScenario(moves, options.profile, options.space ?? DEFAULT_SPACE, "a program where the target and the model part");
    if (scenario.steps.length === 0) return true;
    target ??= options.target();
    const result = await runOnTarget(parseScenario("fuzz.json", JSON.stringify(scenario)), target, options.profile);
    programs++;
    steps += scenario.steps.length;
    if (!result.passed) {
      last = { scenario, result };
      if (found === null) {
        found = { programs, steps, seconds: (performance.now() - started) / 1000 };
        options.onFirstDifference?.(scenario, result);
      }
    }
    options.progress?.({ programs, steps, seconds: (performance.now() - started) / 1000, shrinking: found !== null });
    if (result.verdict !== undefined) {
      await target.close();
      target = null;
    }
    return result.passed;
  };
  const arb = fc.array(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 10, maxLength: 10 }), { minLength: 1, maxLength: options.maxMoves, size: "max" });
  try {
    const outcome = await fc.check(fc.asyncProperty(arb, run), { seed: options.seed, numRuns: options.runs, endOnFailure: false });
    const seconds = (performance.now() - started) / 1000;
    if (!outcome.failed || last === null || found === null) return { programs, steps, seconds, shrinkRuns: 0 };
    const first = found as { programs: number; steps: number; seconds: number };
    const shrunk = last as { scenario: Scenario; result: TargetResult };
    // fast-check's last failing run is the shrunk one; cut the scenario after its failing step.
    const failing = shrunk.result.failure?.path.index ?? shrunk.result.verdict?.path?.index ?? shrunk.scenario.steps.length - 1;
    const scenario = { ...shrunk.scenario, steps: shrunk.scenario.steps.slice(0, failing + 1) };
    return {
      programs: first.programs, steps: first.steps, seconds, shrinkRuns: programs - first.programs, shrinkCut,
      difference: { scenario, result: shrunk.result, shrinks: outcome.numShrinks, foundAfterSeconds: first.seconds },
    };
  } finally {
    await (target as Target | null)?.close();
  }
}

export interface RaceFuzzReport {
  readonly programs: number;
  readonly seconds: number;
  readonly shrinkCut?: boolean;
  readonly difference?: RaceCheck;
}

/**
 * Race mode: each program is a settled prefix and a parallel block; the
 * target's outcome of the block must be one of those the model allows over
 * every interleaving. The first race that breaks this is shrunk.
 */
export async function fuzzRaces(options: Omit<FuzzOptions, "space">): Promise<RaceFuzzReport> {
  const started = performance.now();
  let programs = 0;
  let steps = 0;
  let target: Target | null = null;
  let last: RaceCheck | null = null;
  let foundAt: number | null = null;
  let shrinkCut = false;
  const run = async ([prefix, block]: [number[][], number[]]): Promise<boolean> => {
    if (foundAt !== null && options.shrinkSeconds !== undefined && performance.now() - foundAt > options.shrinkSeconds * 1000) {
      shrinkCut = true;
      return true;
    }
    const race = generateRace(prefix, block, options.profile);
    target ??= options.target();
    let check: RaceCheck;
    try {
      check = await checkRace(race, target, options.profile);
    } catch (e) {
      if (!(e instanceof TargetError)) throw e;
      await target.close();
      target = null;
      check = { passed: false, observed: `${e.verdict}: ${e.message}`, scenario: { title: "race", steps: [] } };
    }
    programs++;
    steps += race.prefix.scenario.steps.length + race.lists.reduce((n, l) => n + l.steps.length, 0);
    if (!check.passed) {
      last = check;
      foundAt ??= performance.now();
    }
    options.progress?.({ programs, steps, seconds: (performance.now() - started) / 1000, shrinking: last !== null });
    return check.passed;
  };
  try {
    const outcome = await fc.check(fc.asyncProperty(arbRace(options.maxMoves), run), { seed: options.seed, numRuns: options.runs, endOnFailure: false });
    const seconds = (performance.now() - started) / 1000;
    return outcome.failed && last !== null ? { programs, seconds, difference: last, shrinkCut } : { programs, seconds };
  } finally {
    await (target as Target | null)?.close();
  }
}
