import { closeSync, openSync, writeSync } from "node:fs";
import type { ModelEvent } from "../model/index.js";
import { itfStream } from "../checker/itf.js";
import { drainAsync } from "../sim/pace.js";
import { InvalidLog, checkHeader, parseLogLine, replayLines } from "../sim/replay.js";
import { InvalidScenario } from "../sim/scenario/error.js";
import { loadScenarioFile } from "../sim/scenario/load.js";
import { runScenarioPaced } from "../sim/scenario/run.js";
import { EXIT_OK, InputError } from "./errors.js";
import { fileLines } from "./replay.js";

/** A buffer reused for every write, so writing a long stream allocates nothing per chunk. */
let scratch = Buffer.allocUnsafe(4 << 20);

/** Writes all of a text to a file descriptor, waiting a moment whenever a non-blocking pipe is full. */
export function writeAllSync(fd: number, text: string): void {
  const size = Buffer.byteLength(text, "utf8");
  if (size > scratch.length) scratch = Buffer.allocUnsafe(size);
  const n = scratch.write(text, 0, "utf8");
  let at = 0;
  while (at < n) {
    try {
      at += writeSync(fd, scratch, at, n - at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

/** The commands and events of a log file, read line by line (the log was replayed, so checked, before). */
function* logEvents(file: string): Generator<ModelEvent, void, void> {
  let n = 0;
  let header = true;
  for (const raw of fileLines(file, "the log")) {
    const record = parseLogLine(raw, ++n);
    if (record === null) continue;
    if (header) {
      header = false;
      continue;
    }
    if (record.type === "command") yield record.command;
    else if (record.type === "event") yield record.event;
  }
}

/** The first record of a log file: its header, checked. */
function logHeader(file: string): ReturnType<typeof checkHeader> {
  let n = 0;
  for (const raw of fileLines(file, "the log")) {
    const record = parseLogLine(raw, ++n);
    if (record !== null) return checkHeader(record, n);
  }
  return checkHeader(undefined, 1);
}

function looksLikeLogFile(file: string): boolean {
  if (file.endsWith(".jsonl")) return true;
  for (const raw of fileLines(file)) {
    if (raw.trim() === "") continue;
    return raw.trimStart().startsWith("{\"type\":\"header\"");
  }
  return false;
}

/**
 * `rollcall export --itf FILE`: a trace as ITF (Apalache ADR-015), written as
 * a stream, one state at a time, each with what a reader needs (the live
 * cluster; see `readerView`). FILE is an event log (`simulate --log`, JSON
 * lines: replayed first, line by line, so a log that is not one is refused
 * before anything is written) or a scenario file (its settled run on the
 * model; a scenario whose parallel blocks end in several histories exports
 * the first). Paced, so SIGINT and SIGTERM are handled mid-run.
 */
export async function exportCommand(file: string, options: { itf?: boolean; out?: string; profile?: string }): Promise<number> {
  if (options.itf !== true) throw new InputError("export: say which format: --itf (the only one so far)");
  let fd = 1;
  if (options.out !== undefined) {
    try {
      fd = openSync(options.out, "w");
    } catch (e) {
      throw new InputError(`cannot write ${options.out} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  let buffer = "";
  const write = (text: string): void => {
    buffer += text;
    if (buffer.length >= 1 << 20) flush();
  };
  const flush = (): void => {
    if (buffer === "") return;
    const text = buffer;
    buffer = "";
    try {
      writeAllSync(fd, text);
    } catch (e) {
      throw new InputError(`cannot write ${options.out ?? "to stdout"} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  };
  try {
    let states: number;
    if (looksLikeLogFile(file)) {
      let profile;
      try {
        profile = logHeader(file).profile;
        const outcome = await drainAsync(replayLines(fileLines(file, "the log")));
        if (!outcome.ok) {
          throw new InputError(`${file}: line ${outcome.line}: the recorded observation disagrees with the model (recorded ${outcome.recorded}; the model: ${outcome.replayed}); rollcall replay ${file} says more`);
        }
      } catch (e) {
        if (e instanceof InvalidLog) throw new InputError(`${file}: ${e.message}`);
        throw e;
      }
      states = await drainAsync(itfStream(profile, undefined, logEvents(file), { source: file, description: `the event log ${file}` }, write));
    } else {
      let loaded;
      try {
        loaded = loadScenarioFile(file);
      } catch (e) {
        if (e instanceof InvalidScenario) throw new InputError(e.message);
        throw e;
      }
      const result = await drainAsync(runScenarioPaced(loaded));
      const world = result.final[0];
      if (world === undefined) throw new InputError(`${file}: the scenario ended in no history`);
      const events: ModelEvent[] = [];
      for (const r of world.store.records) {
        if (r.type === "command") events.push(r.command);
        else if (r.type === "event") events.push(r.event);
      }
      const note = result.passed ? "" : ` (it fails at ${JSON.stringify(result.failure?.path)}; the trace stops there)`;
      states = await drainAsync(itfStream(result.profile, undefined, events, { source: file, description: `${loaded.scenario.title}${note}` }, write));
    }
    flush();
    if (options.out !== undefined) console.error(`wrote ${options.out}: ${states} states`);
  } finally {
    if (fd !== 1) closeSync(fd);
  }
  return EXIT_OK;
}
