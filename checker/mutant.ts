import type { MutantName } from "../model/index.js";
import { MUTANTS } from "../model/index.js";
import { counterexampleScenario, type Bug, type CounterexampleScenario, type MutantCheck } from "./counterexample.js";
import { check, type CheckOptions, type CheckResult, type Violation } from "./explore.js";
import type { Universe } from "./universe.js";

/**
 * What to search to show a bug, and how to finish: the universe to search
 * (with the bug), the options (with an `accept` that writes each violation as
 * a scenario and passes over those that cannot be), and what to make of the
 * result. The search stops at the first violation that can be written as a
 * scenario passing on the model and failing on the bug; shorter ones that
 * cannot (the difference stays inside the cluster, or needs an interleaving a
 * scenario cannot pin down) are passed over and counted, and the shortest
 * length is kept either way.
 */
export interface BugSearch {
  readonly universe: Universe;
  readonly options: CheckOptions;
  finish(result: CheckResult): MutantCheck;
}

/** The search for a seeded bug. */
export function mutantSearch(universe: Universe, mutant: MutantName, options: CheckOptions = {}): BugSearch {
  return against({ ...universe, mutant }, universe, { mutant }, options, (v) => ({
    title: `Counterexample to ${v.law} under the seeded bug ${mutant}`,
    about: `written by rollcall check --mutant ${mutant} (profile ${universe.profile}): ${MUTANTS[mutant].summary}. ` +
      `The bug breaks the law "${v.sentence}" (${v.message}) after ${v.trace.length} model events. ` +
      `Every expectation is what the correct model predicts, so the file passes on the model and fails on the bug.`,
  }));
}

/** The search of a profile other than ray (an older Ray, the seed): a violation is written as a ray scenario that fails under it. */
export function profileSearch(universe: Universe, options: CheckOptions = {}): BugSearch {
  return against(universe, { ...universe, profile: "ray" }, { profile: universe.profile }, options, (v) => ({
    title: `Counterexample to ${v.law} under the profile ${universe.profile}`,
    about: `written by rollcall check --profile ${universe.profile}: ${v.message} after ${v.trace.length} model events. ` +
      `Every expectation is what the ray profile (Ray 2.60) predicts; under ${universe.profile} the file fails.`,
  }));
}

/** Checks a universe under a seeded bug (sequential search). */
export function checkMutant(universe: Universe, mutant: MutantName, options: CheckOptions = {}): MutantCheck {
  const s = mutantSearch(universe, mutant, options);
  return s.finish(check(s.universe, s.options));
}

/** Checks a universe under a profile other than ray (sequential search). */
export function checkProfile(universe: Universe, options: CheckOptions = {}): MutantCheck {
  const s = profileSearch(universe, options);
  return s.finish(check(s.universe, s.options));
}

function against(searched: Universe, correct: Universe, bug: Bug, options: CheckOptions, words: (v: Violation) => { title: string; about: string }): BugSearch {
  let scenario: CounterexampleScenario | null = null;
  const accept = (v: Violation): boolean => {
    const { title, about } = words(v);
    scenario = counterexampleScenario(correct, bug, v.trace, title, about);
    return scenario !== null;
  };
  return {
    universe: searched,
    options: { ...options, accept },
    finish(result) {
      const shortest = result.passedOver?.shortest ?? result.violation?.trace.length ?? null;
      return { result, shortest, scenario: result.verdict === "violation" ? scenario : null };
    },
  };
}
