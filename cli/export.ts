import { readFileSync, writeFileSync } from "node:fs";
import type { ModelEvent } from "../model/index.js";
import { eventsToItf } from "../checker/itf.js";
import { InvalidLog, parseLog } from "../sim/replay.js";
import { InvalidScenario } from "../sim/scenario/error.js";
import { loadScenarioFile } from "../sim/scenario/load.js";
import { runScenario } from "../sim/scenario/run.js";
import { EXIT_OK, InputError } from "./errors.js";

/**
 * `rollcall export --itf FILE`: a trace as ITF (Apalache ADR-015). FILE is an
 * event log (`simulate --log`, JSON lines) or a scenario file (its settled run
 * on the model; a scenario whose parallel blocks end in several histories
 * exports the first).
 */
export function exportCommand(file: string, options: { itf?: boolean; out?: string; profile?: string }): number {
  if (options.itf !== true) throw new InputError("export: say which format: --itf (the only one so far)");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(`${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let trace;
  if (text.trimStart().startsWith("{\"type\":\"header\"") || file.endsWith(".jsonl")) {
    let log;
    try {
      log = parseLog(text);
    } catch (e) {
      if (e instanceof InvalidLog) throw new InputError(`${file}: ${e.message}`);
      throw e;
    }
    const events: ModelEvent[] = [];
    for (const { record } of log.records) {
      if (record.type === "command") events.push(record.command);
      else if (record.type === "event") events.push(record.event);
    }
    trace = eventsToItf(log.profile, undefined, events, { source: file, description: `the event log ${file}` });
  } else {
    let loaded;
    try {
      loaded = loadScenarioFile(file);
    } catch (e) {
      if (e instanceof InvalidScenario) throw new InputError(e.message);
      throw e;
    }
    const result = runScenario(loaded);
    const world = result.final[0];
    if (world === undefined) throw new InputError(`${file}: the scenario ended in no history`);
    const events: ModelEvent[] = [];
    for (const r of world.store.records) {
      if (r.type === "command") events.push(r.command);
      else if (r.type === "event") events.push(r.event);
    }
    const note = result.passed ? "" : ` (it fails at ${JSON.stringify(result.failure?.path)}; the trace stops there)`;
    trace = eventsToItf(result.profile, undefined, events, { source: file, description: `${loaded.scenario.title}${note}` });
  }
  const json = JSON.stringify(trace, null, 2) + "\n";
  if (options.out === undefined) process.stdout.write(json);
  else {
    writeFileSync(options.out, json);
    console.error(`wrote ${options.out}: ${trace.states.length} states`);
  }
  return EXIT_OK;
}

