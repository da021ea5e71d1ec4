import { readFileSync } from "node:fs";
import { InvalidScenario, ScenarioError } from "./error.js";
import { parseScenario } from "./parse.js";
import type { LoadedScenario } from "./types.js";

/** Reads and checks a scenario file; throws InvalidScenario naming every problem found. */
export function loadScenarioFile(file: string): LoadedScenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InvalidScenario(file, [new ScenarioError(file, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`)]);
  }
  return parseScenario(file, text);
}
