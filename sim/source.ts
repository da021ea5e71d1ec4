import type { ProfileName } from "../model/index.js";
import type { LogHeader, LogRecord } from "./log.js";
import { drainSync } from "./pace.js";
import { InvalidLog, lines, replayLines } from "./replay.js";
import { InvalidScenario } from "./scenario/error.js";
import { parseScenario } from "./scenario/parse.js";
import type { LoadedScenario } from "./scenario/types.js";

/** What the viewer shows: a scenario file (a fuzz failure and a checker counterexample are scenarios too), or an event log. */
export type Source =
  | { readonly kind: "scenario"; readonly name: string; readonly loaded: LoadedScenario }
  | { readonly kind: "log"; readonly name: string; readonly header: LogHeader; readonly profile: ProfileName; readonly records: readonly LogRecord[] };

/** Text that is neither a valid scenario nor a log the model agrees with; each problem names the file and the step, line or field. */
export class InvalidSource extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "InvalidSource";
  }
}

/** True when the text is an event log: a `.jsonl` file, or one whose first line is a log header. */
export function looksLikeLog(name: string, text: string): boolean {
  if (name.endsWith(".jsonl")) return true;
  const first = text.trimStart().split("\n", 1)[0];
  try {
    const record = JSON.parse(first) as { type?: unknown } | null;
    return record !== null && typeof record === "object" && record.type === "header";
  } catch {
    return false;
  }
}

/** True when the text is an ITF trace (Apalache ADR-015: an object with `#meta` and `states`). */
function looksLikeItf(text: string): boolean {
  try {
    const value = JSON.parse(text) as Record<string, unknown> | null;
    return value !== null && typeof value === "object" && "#meta" in value && Array.isArray(value["states"]);
  } catch {
    return false;
  }
}

/**
 * Reads a scenario or an event log, checked as `rollcall run` checks a
 * scenario and `rollcall replay` a log (every recorded observation must be
 * the model's); throws InvalidSource otherwise.
 */
export function readSource(name: string, text: string): Source {
  if (looksLikeItf(text)) {
    throw new InvalidSource([`${name}: an ITF trace (from check --itf or export --itf) is for other tools; open the counterexample scenario check wrote beside it, or a log`]);
  }
  if (!looksLikeLog(name, text)) {
    try {
      return { kind: "scenario", name, loaded: parseScenario(name, text) };
    } catch (e) {
      if (e instanceof InvalidScenario) throw new InvalidSource(e.problems.map((p) => p.message));
      throw e;
    }
  }
  try {
    const records: LogRecord[] = [];
    let header: LogHeader | undefined;
    const outcome = drainSync(replayLines(lines(text), (record) => {
      if (record.type === "header" && header === undefined) header = record;
      else records.push(record);
    }));
    if (!outcome.ok) {
      throw new InvalidSource([`${name}: line ${outcome.line}: the recorded observation disagrees with the model (recorded ${outcome.recorded}; the model: ${outcome.replayed})`]);
    }
    const h = header as LogHeader;
    return { kind: "log", name, header: h, profile: h.profile, records };
  } catch (e) {
    if (e instanceof InvalidLog) throw new InvalidSource([`${name}: ${e.message}`]);
    throw e;
  }
}
