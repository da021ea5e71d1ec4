import { closeSync, openSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { drainAsync } from "../sim/pace.js";
import { InvalidLog, replayLines, type ReplayOutcome } from "../sim/replay.js";
import { EXIT_FAILED, EXIT_OK, InputError } from "./errors.js";

/**
 * The lines of a file, read in chunks as they are asked for (a stream: the
 * file is never held whole). An unreadable file is an InputError naming it.
 */
export function* fileLines(file: string, what = "the file"): Generator<string, void, void> {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new InputError(`${file}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    const buffer = Buffer.alloc(1 << 20);
    const decoder = new StringDecoder("utf8");
    let rest = "";
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, buffer.length, null);
      } catch (e) {
        throw new InputError(`${file}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
      if (n === 0) break;
      const text = rest + decoder.write(buffer.subarray(0, n));
      let at = 0;
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", at)) {
        yield text.slice(at, nl);
        at = nl + 1;
      }
      rest = text.slice(at);
    }
    rest += decoder.end();
    if (rest !== "") yield rest;
  } finally {
    closeSync(fd);
  }
}

/**
 * `rollcall replay FILE`: rebuilds the state from the log, read line by line,
 * and checks every recorded observation. Paced, so SIGINT and SIGTERM are
 * handled mid-run.
 */
export async function replayCommand(file: string): Promise<number> {
  let outcome: ReplayOutcome;
  try {
    outcome = await drainAsync(replayLines(fileLines(file, "the log")));
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
