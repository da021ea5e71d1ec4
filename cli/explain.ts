import { isMutantName, MUTANTS, type MutantName } from "../model/index.js";
import { InvalidScenario } from "../sim/scenario/error.js";
import { loadScenarioFile } from "../sim/scenario/load.js";
import { explainScenario, storyLines } from "../sim/explain.js";
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, InputError } from "./errors.js";
import { parseProfile } from "./options.js";

/** `rollcall explain [--mutant M] FILE`: the scenario told step by step, for a learner (on the model with a seeded bug, with `--mutant`). */
export function explainCommand(file: string, options: { profile?: string; mutant?: string }): number {
  const profile = parseProfile(options.profile);
  let mutant: MutantName | undefined;
  if (options.mutant !== undefined) {
    if (!isMutantName(options.mutant)) throw new InputError(`--mutant: unknown mutant '${options.mutant}' (rollcall check --list-mutants lists them)`);
    mutant = options.mutant;
  }
  let loaded;
  try {
    loaded = loadScenarioFile(file);
  } catch (e) {
    if (!(e instanceof InvalidScenario)) throw e;
    for (const p of e.problems) console.error(`invalid: ${p.message}`);
    return EXIT_INVALID;
  }
  const { profile: used, stories } = explainScenario(loaded, profile, mutant);
  console.log(`${loaded.scenario.title}`);
  if (loaded.scenario.about !== undefined) console.log(`(${loaded.scenario.about})`);
  console.log(`Profile: ${used}.${mutant === undefined ? "" : ` Seeded bug: ${mutant} (${MUTANTS[mutant].summary}).`}`);
  // A checker counterexample passes on the model: say how to see it fail on the bug it exposes.
  const exposed = /^written by rollcall check --mutant (\S+?)[\s:(]/.exec(loaded.scenario.about ?? "")?.[1];
  if (mutant === undefined && exposed !== undefined && isMutantName(exposed)) {
    console.log(`This counterexample exposes the seeded bug ${exposed}; to tell it on the bug: rollcall explain --mutant ${exposed} ${file}`);
  }
  console.log("");
  for (const s of stories) console.log(storyLines(s).join("\n") + "\n");
  const failed = stories.some((s) => !s.ok);
  return failed ? EXIT_FAILED : EXIT_OK;
}
