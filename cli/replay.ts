import { readFileSync } from "node:fs";
import { InvalidLog, replayLog } from "../sim/replay.js";
import { EXIT_FAILED, EXIT_OK, InputError } from "./errors.js";

/** `rollcall replay FILE`: rebuilds the state from the log and checks every recorded observation. */
export function replayCommand(file: string): number {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(`${file}: cannot read the log (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let outcome;
  try {
    outcome = replayLog(text);
  } catch (e) {
    if (e instanceof InvalidLog) throw new InputError(`${file}: ${e.message}`);
    throw e;
  }
  if (!outcome.ok) {
    console.log(`${file}: line ${outcome.line}: the recorded observation disagrees with the model`);
    console.log(`  recorded: ${outcome.recorded}`);
    console.log(`  model:    ${outcome.replayed}`);
    return EXIT_FAILED;
  }
  console.log(`${file}: ${outcome.records} records replayed, every observation agrees`);
  console.log(`fingerprint ${outcome.fingerprint}`);
  return EXIT_OK;
}
