import fc from "fast-check";
import { isProfileName, PROFILES, type ProfileName } from "../model/index.js";
import { generateScenario } from "../sim/generate.js";
import { DEFAULT_SPACE, type ProgramSpace } from "../sim/programs.js";
import { parseScenario } from "../sim/scenario/parse.js";
import type { Scenario } from "../sim/scenario/types.js";
import { runOnTarget, type TargetResult } from "./run-target.js";
import { TargetError, TargetRefusedError, requireProfile, type Target } from "./target.js";
import { arbRace, checkRace, generateRace, type RaceCheck, type Repeat } from "./race.js";
import { Pacer, yieldTurn } from "../sim/pace.js";

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
   * bound). Past it, the smallest failing program found so far is the answer
   * (real Ray runs a program in about two seconds).
   */
  readonly shrinkSeconds?: number;
  /** Called once with the first program where the target and the model part, before shrinking. */
  readonly onFirstDifference?: (scenario: Scenario, result: TargetResult) => void;
  /**
   * Called with each smaller failing program shrinking finds (a race: each
   * failing race kept), so an interrupted run can still save the smallest.
   */
  readonly onSmaller?: (scenario: Scenario) => void;
  /** Race mode: how often each race runs on the target (`--repeat`, `--repeat-time`); once by default. */
  readonly repeat?: Repeat;
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
  /**
   * Differences that another Ray profile the target implements explains (the
   * program passes when its expectations are that profile's): a known change
   * between releases, noted, and the run went on. By profile: how many
   * programs, and the first, cut after its failing step.
   */
  readonly explained: readonly { readonly profile: ProfileName; readonly programs: number; readonly scenario: Scenario }[];
  /** Runs of programs under the other profiles, to explain differences. */
  readonly explainRuns: number;
}

/**
 * The differential fuzzer: fast-check generates programs (every operation,
 * several drivers, code inside actors, crashes), each becomes a scenario whose
 * expectations are the model's, and it runs on the target. The first program
 * where the target fails a step is reduced (see `reduce`) and returned as a
 * scenario, cut after its failing step.
 */
export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let programs = 0;
  let steps = 0;
  let found: { programs: number; steps: number; seconds: number } | null = null;
  let target: Target | null = null;
  let explainRuns = 0;
  const explained = new Map<ProfileName, { profile: ProfileName; programs: number; scenario: Scenario }>();
  const pacer = new Pacer(50, 1);
  const run = async (moves: readonly number[][]): Promise<{ scenario: Scenario; result: TargetResult } | null> => {
    const scenario = generateScenario(moves as number[][], options.profile, options.space ?? DEFAULT_SPACE, "a program where the target and the model part");
    if (scenario.steps.length === 0) return null;
    target ??= options.target();
    const result = await runOnTarget(parseScenario("fuzz.json", JSON.stringify(scenario)), target, options.profile);
    programs++;
    steps += scenario.steps.length;
    options.progress?.({ programs, steps, seconds: elapsed(), shrinking: found !== null });
    // A target answering at once (the model in process) would never let a signal handler run.
    if (pacer.due()) await yieldTurn();
    if (result.verdict !== undefined) {
      await target.close();
      target = null;
    }
    return { scenario, result };
  };
  const arb = fc.array(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 10, maxLength: 10 }), { minLength: 1, maxLength: options.maxMoves, size: "max" });
  // A target that refuses (its hello lacks the profile, its reset says no) stops the fuzzer at once: TargetRefusedError, never a difference.
  let refused: TargetRefusedError | null = null;
  try {
    target = options.target();
    const space = options.space ?? DEFAULT_SPACE;
    const needs = [...(space.initFails === true ? ["initFails"] : []), ...(space.gcs === true ? ["gcs"] : [])];
    const implemented = await requireProfile(target, options.profile, (space.nodes ?? 0) > 0 || needs.length > 0 ? 2 : 1, needs);
    // The other Ray profiles the target implements: a difference one of them explains is a known change between releases.
    const others = implemented.filter((p): p is ProfileName => isProfileName(p) && p !== options.profile && PROFILES[p].releases !== null);
    const explainedBy = async (moves: readonly number[][]): Promise<ProfileName | null> => {
      for (const q of others) {
        const scenario = generateScenario(moves as number[][], q, options.space ?? DEFAULT_SPACE, "a program where the target and the model part");
        target ??= options.target();
        const r = await runOnTarget(parseScenario("fuzz.json", JSON.stringify(scenario)), target, q);
        explainRuns++;
        if (r.verdict !== undefined) {
          await target.close();
          target = null;
        }
        if (r.passed) return q;
      }
      return null;
    };
    let failing: { moves: number[][]; scenario: Scenario; result: TargetResult } | null = null;
    // Generation only: fast-check's own shrinker is not used (see reduce).
    const outcome = await fc.check(
      fc.asyncProperty(arb, async (moves) => {
        const r = await run(moves).catch((e: unknown) => {
          if (e instanceof TargetRefusedError) refused = e;
          throw e;
        });
        if (r === null || r.result.passed) return true;
        if (r.result.verdict === undefined) {
          const q = await explainedBy(moves);
          if (q !== null) {
            const e = explained.get(q);
            if (e === undefined) explained.set(q, { profile: q, programs: 1, scenario: cutAfterFailure(r.scenario, r.result) });
            else e.programs++;
            return true;
          }
        }
        found = { programs, steps, seconds: elapsed() };
        options.onFirstDifference?.(r.scenario, r.result);
        options.progress?.({ programs, steps, seconds: elapsed(), shrinking: true });
        failing = { moves, ...r };
        return false;
      }),
      { seed: options.seed, numRuns: options.runs, endOnFailure: true },
    );
    if (refused !== null) throw refused;
    // A program that threw (inside rollcall: the model or the generator) is a bug of rollcall, never "no difference".
    if (outcome.failed && failing === null) throw outcome.errorInstance instanceof Error ? outcome.errorInstance : new Error(`a fuzzed program failed inside rollcall: ${String(outcome.errorInstance)}`);
    if (failing === null || found === null) return { programs, steps, seconds: elapsed(), shrinkRuns: 0, explained: [...explained.values()], explainRuns };
    const first = found as { programs: number; steps: number; seconds: number };
    const deadline = options.shrinkSeconds === undefined ? Infinity : performance.now() + options.shrinkSeconds * 1000;
    const reduced = await reduce(failing, run, deadline, options.onSmaller);
    const scenario = cutAfterFailure(reduced.scenario, reduced.result);
    return {
      programs: first.programs, steps: first.steps, seconds: elapsed(), shrinkRuns: programs - first.programs, shrinkCut: reduced.cut,
      difference: { scenario, result: reduced.result, shrinks: reduced.shrinks, foundAfterSeconds: first.seconds }, explained: [...explained.values()], explainRuns,
    };
  } finally {
    await (target as Target | null)?.close();
  }
}

/** A failing program cut after its failing step. */
function cutAfterFailure(scenario: Scenario, result: TargetResult): Scenario {
  const cutAt = result.failure?.path.index ?? result.verdict?.path?.index ?? scenario.steps.length - 1;
  return { ...scenario, steps: scenario.steps.slice(0, cutAt + 1) };
}

/**
 * What kind of difference a failing run shows: the step's operation and the
 * shapes (not the values) of what was expected and observed, or the verdict.
 * Reduction keeps a candidate only when it fails the same way, so it cannot
 * drift from the difference it was given to another one.
 */
export function differenceKind(result: TargetResult): string {
  if (result.verdict !== undefined) return `verdict ${result.verdict.kind}`;
  const f = result.failure;
  if (f === undefined) return "passed";
  const shape = (text: string) => {
    const error = /^error (\w+)/.exec(text);
    if (error !== null) return `error ${error[1]}`;
    if (text.startsWith("a handle")) return "handle";
    return text.split(/\s/)[0] ?? "";
  };
  return `${f.step.do}: expected ${shape(f.expected)}, observed ${shape(f.observed)}`;
}

/**
 * Reduces a failing program, a move at a time, with a budget that suits a
 * slow target (real Ray runs a program in about two seconds, so fast-check's
 * shrinker, which tries hundreds of value changes, rarely got below twenty
 * steps in ten minutes). Moves are the unit: each is one step of some caller,
 * and the model recomputes every expectation for each candidate.
 * 1. the shortest prefix that still fails (binary search);
 * 2. removing single moves, last to first;
 * 3. zeroing each move's choices (the simplest operation and options);
 * 2 and 3 again until neither changes anything, so no single move can go.
 * A candidate is kept when it fails the same way (`differenceKind`). Past the
 * deadline the smallest failure so far is the answer (`cut`).
 */
async function reduce(
  start: { moves: number[][]; scenario: Scenario; result: TargetResult },
  run: (moves: readonly number[][]) => Promise<{ scenario: Scenario; result: TargetResult } | null>,
  deadline: number,
  onSmaller?: (scenario: Scenario) => void,
): Promise<{ moves: number[][]; scenario: Scenario; result: TargetResult; shrinks: number; cut: boolean }> {
  const kind = differenceKind(start.result);
  let best = start;
  let shrinks = 0;
  let cut = false;
  const tryCandidate = async (moves: number[][]): Promise<boolean> => {
    if (performance.now() > deadline) {
      cut = true;
      return false;
    }
    const r = await run(moves);
    if (r === null || r.result.passed || differenceKind(r.result) !== kind) return false;
    best = { moves, ...r };
    shrinks++;
    onSmaller?.(cutAfterFailure(r.scenario, r.result));
    return true;
  };
  // 1. The shortest failing prefix: a settled program's step k depends on the moves before it only.
  let lo = 1;
  let hi = best.moves.length;
  while (lo < hi && !cut) {
    const mid = Math.floor((lo + hi) / 2);
    if (await tryCandidate(best.moves.slice(0, mid))) hi = mid;
    else lo = mid + 1;
  }
  // 2 and 3, until neither changes anything: single moves out, then each nonzero choice to 0.
  for (let changed = true; changed && !cut; ) {
    changed = false;
    for (let i = best.moves.length - 1; i >= 0 && !cut && best.moves.length > 1; i--) {
      if (await tryCandidate(best.moves.filter((_, j) => j !== i))) changed = true;
    }
    for (let i = 0; i < best.moves.length && !cut; i++) {
      for (let k = 0; k < best.moves[i]!.length && !cut; k++) {
        if (best.moves[i]![k] === 0) continue;
        if (await tryCandidate(best.moves.map((m, j) => (j === i ? m.map((x, l) => (l === k ? 0 : x)) : m)))) changed = true;
      }
    }
  }
  return { ...best, shrinks, cut };
}

export interface RaceFuzzReport {
  /** Races run before the first difference (all of them when none was found). */
  readonly programs: number;
  /** Races run while shrinking. */
  readonly shrinkRuns: number;
  readonly seconds: number;
  readonly shrinkCut?: boolean;
  readonly difference?: RaceCheck;
  /** Races whose allowed outcomes the model could not all find within the oracle's bound (neither passed nor failed). */
  readonly undecided: number;
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
  let foundPrograms = 0;
  let shrinkCut = false;
  let undecided = 0;
  const pacer = new Pacer(50, 1);
  // A target that refuses stops the fuzzer at once: the property fails once, every shrink candidate passes untried, and the refusal is thrown.
  let refused: TargetRefusedError | null = null;
  const run = async ([prefix, block]: [number[][], number[]]): Promise<boolean> => {
    if (refused !== null) return true;
    if (foundAt !== null && options.shrinkSeconds !== undefined && performance.now() - foundAt > options.shrinkSeconds * 1000) {
      shrinkCut = true;
      return true;
    }
    const race = generateRace(prefix, block, options.profile);
    target ??= options.target();
    let check: RaceCheck;
    try {
      check = await checkRace(race, target, options.profile, options.repeat);
    } catch (e) {
      if (e instanceof TargetRefusedError) {
        refused = e;
        return false;
      }
      if (!(e instanceof TargetError)) throw e;
      await target.close();
      target = null;
      check = { passed: false, observed: `${e.verdict}: ${e.message}`, scenario: { title: "race", steps: [] } };
    }
    programs++;
    if (check.undecided === true && last === null) undecided++;
    steps += race.prefix.scenario.steps.length + race.lists.reduce((n, l) => n + l.steps.length, 0);
    // While shrinking, a candidate counts as failing only the same way: in its race, or in its settled prefix.
    const failedAlike = !check.passed && (last === null || (last.prefixFailed === true) === (check.prefixFailed === true));
    if (pacer.due()) await yieldTurn();
    if (failedAlike) {
      last = check;
      options.onSmaller?.(check.scenario);
      if (foundAt === null) {
        foundAt = performance.now();
        foundPrograms = programs;
      }
    }
    options.progress?.({ programs, steps, seconds: (performance.now() - started) / 1000, shrinking: last !== null });
    return !failedAlike;
  };
  try {
    target = options.target();
    await requireProfile(target, options.profile);
    const outcome = await fc.check(fc.asyncProperty(arbRace(options.maxMoves), run), { seed: options.seed, numRuns: options.runs, endOnFailure: false });
    if (refused !== null) throw refused;
    const seconds = (performance.now() - started) / 1000;
    return outcome.failed && last !== null ? { programs: foundPrograms, shrinkRuns: programs - foundPrograms, seconds, difference: last, shrinkCut, undecided } : { programs, shrinkRuns: 0, seconds, undecided };
  } finally {
    await (target as Target | null)?.close();
  }
}
