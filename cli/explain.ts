import { InvalidScenario } from "../sim/scenario/error.js";
import { loadScenarioFile } from "../sim/scenario/load.js";
import { explainScenario, storyLines } from "../sim/explain.js";
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK } from "./errors.js";
import { parseProfile } from "./options.js";

/** `rollcall explain FILE`: the scenario told step by step, for a learner. */
export function explainCommand(file: string, options: { profile?: string }): number {
  const profile = parseProfile(options.profile);
  let loaded;
  try {
    loaded = loadScenarioFile(file);
  } catch (e) {
    if (!(e instanceof InvalidScenario)) throw e;
    for (const p of e.problems) console.error(`invalid: ${p.message}`);
    return EXIT_INVALID;
  }
  const { profile: used, stories } = explainScenario(loaded, profile);
  console.log(`${loaded.scenario.title}`);
  if (loaded.scenario.about !== undefined) console.log(`(${loaded.scenario.about})`);
  console.log(`Profile: ${used}.\n`);
  for (const s of stories) console.log(storyLines(s).join("\n") + "\n");
  const failed = stories.some((s) => !s.ok);
  return failed ? EXIT_FAILED : EXIT_OK;
}
