import type { MutantName } from "../model/index.js";
import { MUTANTS } from "../model/index.js";
import { counterexampleScenario, type CounterexampleScenario, type MutantCheck } from "./counterexample.js";
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
  let scenario: CounterexampleScenario | null = null;
  const accept = (v: Violation): boolean => {
    scenario = counterexampleScenario(universe, mutant, v.trace, titleOf(mutant, v), aboutOf(universe, mutant, v));
    return scenario !== null;
  };
  const result = check({ ...universe, mutant }, { ...options, accept });
  const shortest = result.passedOver?.shortest ?? result.violation?.trace.length ?? null;
  return { result, shortest, scenario: result.verdict === "violation" ? scenario : null };
}

function titleOf(mutant: MutantName, v: Violation): string {
  return `Counterexample to ${v.law} under the seeded bug ${mutant}`;
}

function aboutOf(universe: Universe, mutant: MutantName, v: Violation): string {
  return `written by rollcall check --mutant ${mutant} (profile ${universe.profile}): ${MUTANTS[mutant].summary}. ` +
    `The bug breaks the law "${v.sentence}" (${v.message}) after ${v.trace.length} model events. ` +
    `Every expectation is what the correct model predicts, so the file passes on the model and fails on the bug.`;
}
