import type { MutantName } from "../model/index.js";
import { MUTANTS } from "../model/index.js";
import { counterexampleScenario, type Bug, type CounterexampleScenario, type MutantCheck } from "./counterexample.js";
import { check, type CheckOptions, type Violation } from "./explore.js";
import type { Universe } from "./universe.js";

/**
 * Checks a universe under a seeded bug. The search stops at the first
 * violation that can be written as a scenario passing on the model and
 * failing on the bug; shorter violations that cannot (the difference stays
 * inside the cluster, or needs an interleaving a scenario cannot pin down) are
 * passed over and counted, and the shortest length is kept either way.
 */
export function checkMutant(universe: Universe, mutant: MutantName, options: CheckOptions = {}): MutantCheck {
  return checkAgainst({ ...universe, mutant }, universe, { mutant }, options, (v) => ({
    title: `Counterexample to ${v.law} under the seeded bug ${mutant}`,
    about: `written by rollcall check --mutant ${mutant} (profile ${universe.profile}): ${MUTANTS[mutant].summary}. ` +
      `The bug breaks the law "${v.sentence}" (${v.message}) after ${v.trace.length} model events. ` +
      `Every expectation is what the correct model predicts, so the file passes on the model and fails on the bug.`,
  }));
}

/**
 * Checks a universe under a profile other than ray (an older Ray, the seed):
 * a violation is written as a scenario of the ray profile that fails under it.
 */
export function checkProfile(universe: Universe, options: CheckOptions = {}): MutantCheck {
  return checkAgainst(universe, { ...universe, profile: "ray" }, { profile: universe.profile }, options, (v) => ({
    title: `Counterexample to ${v.law} under the profile ${universe.profile}`,
    about: `written by rollcall check --profile ${universe.profile}: ${v.message} after ${v.trace.length} model events. ` +
      `Every expectation is what the ray profile (Ray 2.60) predicts; under ${universe.profile} the file fails.`,
  }));
}

function checkAgainst(
  searched: Universe, correct: Universe, bug: Bug, options: CheckOptions, words: (v: Violation) => { title: string; about: string },
): MutantCheck {
  let scenario: CounterexampleScenario | null = null;
  const accept = (v: Violation): boolean => {
    const { title, about } = words(v);
    scenario = counterexampleScenario(correct, bug, v.trace, title, about);
    return scenario !== null;
  };
  const result = check(searched, { ...options, accept });
  const shortest = result.passedOver?.shortest ?? result.violation?.trace.length ?? null;
  return { result, shortest, scenario: result.verdict === "violation" ? scenario : null };
}
